using System.CommandLine;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Engine;
using Tsumugi.Generation.Ensemble;
using Tsumugi.Modeling;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi generate`: one prompt in, one completion out (or streamed as it is generated). Thin over <see cref="TextGenerator"/>,
/// or <see cref="EnsembleGenerator"/> for a BTM ensemble directory (ensemble.json).
/// </summary>
public static class GenerateCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "generate";
    internal const string Description =
        "Generate a completion for one prompt with a model directory.";

    public static Command Create()
    {
        var model = CommonOptions.Model("Model directory, or a BTM ensemble directory (ensemble.json, written by `tsumugi btm`).");
        var prompt = new Option<string>("--prompt") { Description = "Prompt text; BOS is prepended, control tokens written as text (<s>, </s>) become their ids.", Required = true };
        var sampling = new SamplingFlags(new SamplingOptions().MaxNewTokens);
        var stream = new Option<bool>("--stream") { Description = "Print text as it is generated." };
        var dtype = CommonOptions.Dtype();
        var adapter = CommonOptions.Adapter();
        var engine = CommonOptions.Engine();
        var weights = CommonOptions.EngineWeights();
        var command = new Command(Name, Description) { model, adapter, prompt, dtype, engine, weights };
        sampling.AddTo(command);
        command.Add(stream);
        command.SetAction(parse =>
        {
            var options = sampling.Read(parse); // validated before loading the model: a typo costs nothing
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var dir = parse.GetValue(model)!;
            using var ensemble = EnsembleManifest.IsEnsembleDirectory(dir)
                ? ExpertEnsemble.Load(dir, new PretrainedModelOptions { Dtype = HfModelDirectory.ParseDtype(parse.GetValue(dtype)!), Adapter = parse.GetValue(adapter) })
                : null;
            using var llm = ensemble is null ? Load(dir, parse.GetValue(dtype)!, adapter: parse.GetValue(adapter), decoder: decoder) : null;
            if (llm?.EngineNote is { } note) Console.Error.WriteLine($"[decoding on torch: {note}]");
            var mixture = ensemble?.CreateGenerator();
            var deltas = mixture?.Stream(parse.GetValue(prompt)!, options) ?? llm!.CreateGenerator().Stream(parse.GetValue(prompt)!, options);
            GenerationResult? result = null;
            foreach (var delta in deltas)
            {
                if (parse.GetValue(stream)) { Console.Write(delta.Text); Console.Out.Flush(); }
                result = delta.Final ?? result;
            }
            if (!parse.GetValue(stream)) Console.Write(result!.Text);
            Console.WriteLine();
            Console.Error.WriteLine($"[finish_reason={result!.FinishReasonText} prompt_tokens={result.PromptTokens} completion_tokens={result.CompletionTokens}]");
            if (mixture is { Posteriors.Count: > 0 } m)
                Console.Error.WriteLine("[posterior at the last token: " + string.Join(" ", ensemble!.ExpertNames.Select((n, j) => $"{n}={m.Posteriors[^1][j]:0.###}")) + "]");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// A model directory with its weights in <paramref name="dtype"/>; chats rendered with its own chat_template, or the
    /// built-in template of <paramref name="chatFormat"/> when given; a LoRA adapter on top when given.
    /// </summary>
    /// <paramref name="decoder"/>: the engine and its weight format (<see cref="CommonOptions.ParseEngine"/>); default torch.
    internal static PretrainedModel Load(string dir, string dtype, ChatPromptFormat? chatFormat = null, string? adapter = null,
        (DecodeEngineKind Kind, WeightFormat? Weights)? decoder = null)
    {
        var type = HfModelDirectory.ParseDtype(dtype); // before reading anything: a typo costs nothing
        return PretrainedModel.Load(dir, new PretrainedModelOptions
        {
            Dtype = type, ChatFormat = chatFormat, Adapter = adapter,
            Engine = decoder?.Kind ?? DecodeEngineKind.Torch, EngineWeights = decoder?.Weights,
        });
    }
}

/// <summary>The sampling flags `generate` and `chat` share, read into a validated <see cref="SamplingOptions"/>.</summary>
internal sealed class SamplingFlags(int defaultMaxTokens)
{
    static readonly SamplingOptions Defaults = new();

    readonly Option<int> _maxTokens = new("--max-tokens") { Description = "Most new tokens to generate.", DefaultValueFactory = _ => defaultMaxTokens };
    readonly Option<double> _temperature = new("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => Defaults.Temperature };
    readonly Option<int> _topK = new("--top-k") { Description = "Keep the k most likely tokens (0 = off).", DefaultValueFactory = _ => Defaults.TopK };
    readonly Option<double> _topP = new("--top-p") { Description = "Nucleus sampling mass (1 = off).", DefaultValueFactory = _ => Defaults.TopP };
    readonly Option<double> _minP = new("--min-p") { Description = "Keep tokens with p ≥ min_p·p_max (0 = off).", DefaultValueFactory = _ => Defaults.MinP };
    readonly Option<double> _repetition = new("--repetition-penalty") { Description = "HF/CTRL repetition penalty over prompt + output (1 = off).", DefaultValueFactory = _ => Defaults.RepetitionPenalty };
    readonly Option<double> _frequency = new("--frequency-penalty") { Description = "OpenAI frequency penalty, -2..2 (0 = off).", DefaultValueFactory = _ => Defaults.FrequencyPenalty };
    readonly Option<double> _presence = new("--presence-penalty") { Description = "OpenAI presence penalty, -2..2 (0 = off).", DefaultValueFactory = _ => Defaults.PresencePenalty };
    readonly Option<int> _noRepeat = new("--no-repeat-ngram") { Description = "Never repeat an n-gram of this size (0 = off).", DefaultValueFactory = _ => Defaults.NoRepeatNgramSize };
    readonly Option<string[]> _stop = new("--stop") { Description = "Stop string (repeatable); the output ends just before it.", AllowMultipleArgumentsPerToken = false };
    readonly Option<long> _seed = new("--seed") { Description = "Sampling seed: the same seed gives the same text.", DefaultValueFactory = _ => Defaults.Seed };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _maxTokens, _temperature, _topK, _topP, _minP, _repetition, _frequency, _presence, _noRepeat, _stop, _seed })
            command.Add(option);
    }

    /// <summary>The options as given; throws <see cref="ArgumentException"/> naming the first invalid one.</summary>
    public SamplingOptions Read(ParseResult parse)
    {
        var options = new SamplingOptions
        {
            MaxNewTokens = parse.GetValue(_maxTokens), Temperature = parse.GetValue(_temperature), TopK = parse.GetValue(_topK),
            TopP = parse.GetValue(_topP), MinP = parse.GetValue(_minP), RepetitionPenalty = parse.GetValue(_repetition),
            FrequencyPenalty = parse.GetValue(_frequency), PresencePenalty = parse.GetValue(_presence),
            NoRepeatNgramSize = parse.GetValue(_noRepeat), Stop = parse.GetValue(_stop) ?? [], Seed = parse.GetValue(_seed),
        };
        options.Validate();
        return options;
    }
}
