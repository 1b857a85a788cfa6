using System.CommandLine;
using Tsumugi.Modeling;
using Tsumugi.Serving.Generation;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi generate`: one prompt in, one completion out (or streamed as it is generated). Thin over <see cref="TextGenerator"/>.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new SamplingOptions();
        var model = new Option<string>("--model") { Description = "Model directory (HF layout with tokenizer.model).", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Prompt text (BOS is prepended).", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most new tokens to generate.", DefaultValueFactory = _ => defaults.MaxNewTokens };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => defaults.Temperature };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens (0 = off).", DefaultValueFactory = _ => defaults.TopK };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass (1 = off).", DefaultValueFactory = _ => defaults.TopP };
        var minP = new Option<double>("--min-p") { Description = "Keep tokens with p ≥ min_p·p_max (0 = off).", DefaultValueFactory = _ => defaults.MinP };
        var repetition = new Option<double>("--repetition-penalty") { Description = "HF/CTRL repetition penalty over prompt + output (1 = off).", DefaultValueFactory = _ => defaults.RepetitionPenalty };
        var frequency = new Option<double>("--frequency-penalty") { Description = "OpenAI frequency penalty, -2..2 (0 = off).", DefaultValueFactory = _ => defaults.FrequencyPenalty };
        var presence = new Option<double>("--presence-penalty") { Description = "OpenAI presence penalty, -2..2 (0 = off).", DefaultValueFactory = _ => defaults.PresencePenalty };
        var noRepeat = new Option<int>("--no-repeat-ngram") { Description = "Never repeat an n-gram of this size (0 = off).", DefaultValueFactory = _ => defaults.NoRepeatNgramSize };
        var stop = new Option<string[]>("--stop") { Description = "Stop string (repeatable); the output ends just before it.", AllowMultipleArgumentsPerToken = false };
        var seed = new Option<long>("--seed") { Description = "Sampling seed: the same seed gives the same text.", DefaultValueFactory = _ => defaults.Seed };
        var stream = new Option<bool>("--stream") { Description = "Print text as it is generated." };
        var command = new Command("generate", "Generate a completion for one prompt with a model directory.")
        {
            model, prompt, maxTokens, temperature, topK, topP, minP, repetition, frequency, presence, noRepeat, stop, seed, stream,
        };
        command.SetAction(parse =>
        {
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP), MinP = parse.GetValue(minP), RepetitionPenalty = parse.GetValue(repetition),
                FrequencyPenalty = parse.GetValue(frequency), PresencePenalty = parse.GetValue(presence),
                NoRepeatNgramSize = parse.GetValue(noRepeat), Stop = parse.GetValue(stop) ?? [], Seed = parse.GetValue(seed),
            };
            options.Validate(); // before loading the model: a typo costs nothing
            var dir = parse.GetValue(model)!;
            var tokenizerPath = Path.Combine(dir, "tokenizer.model");
            if (!File.Exists(tokenizerPath))
                throw new FileNotFoundException($"{dir}: no tokenizer.model; initialise the model with --tokenizer DIR.", tokenizerPath);
            using var llm = HfModelDirectory.Load(dir);
            var generator = new TextGenerator(llm, SpmTokenizer.Load(tokenizerPath));
            GenerationResult? result = null;
            foreach (var delta in generator.Stream(parse.GetValue(prompt)!, options))
            {
                if (parse.GetValue(stream)) { Console.Write(delta.Text); Console.Out.Flush(); }
                result = delta.Final ?? result;
            }
            if (!parse.GetValue(stream)) Console.Write(result!.Text);
            Console.WriteLine();
            Console.Error.WriteLine($"[finish_reason={result!.FinishReasonText} prompt_tokens={result.PromptTokens} completion_tokens={result.CompletionTokens}]");
            return 0;
        });
        return command;
    }
}
