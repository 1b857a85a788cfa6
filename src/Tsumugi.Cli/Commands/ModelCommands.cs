using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Tsumugi.Evaluation;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi model init | info | score | extend-vocab | merge-adapter | upcycle | card`.</summary>
public static class ModelCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "model";
    internal const string Description =
        "Create, inspect and score Llama/Mistral/Mixtral models (Hugging Face model directories).";

    public static Command Create()
    {
        var model = new Command(Name, Description);
        model.Add(Init());
        model.Add(Info());
        model.Add(Score());
        model.Add(ExtendVocabCommand.Create());
        model.Add(MergeAdapter());
        model.Add(ModelUpcycleCommand.Create());
        model.Add(ModelCardCommand.Create());
        return model;
    }

    static Command MergeAdapter()
    {
        var model = CommonOptions.Model("Base HF model directory the adapter was trained on.");
        var adapter = new Option<string>("--adapter")
        {
            Description = "LoRA adapter directory (PEFT layout: adapter_config.json + adapter_model.safetensors).", Required = true, HelpName = "DIR",
        };
        var output = CommonOptions.Output("New directory for the merged HF model (must not exist or be empty); the tokenizer files are copied.");
        var command = new Command("merge-adapter", "Fold a LoRA adapter into its base model (W += scale·B·A) and write a plain HF model directory.")
        {
            model, adapter, output,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!;
            var report = AdapterMerge.MergeDirectory(parse.GetValue(model)!, parse.GetValue(adapter)!, dir);
            CliApp.Info($"Wrote {dir}: merged {report.Projections} projections ({string.Join(", ", report.TargetNames)})" +
                (report.SavedModuleParameters > 0 ? $" and {report.SavedModuleParameters} fully trained tensor(s)" : "") + $", weights in {report.Dtype}");
            return 0;
        });
        return command;
    }

    static Command Init()
    {
        var preset = new Option<string?>("--preset") { Description = $"Named shape: {string.Join(", ", ModelPresets.List().Select(p => p.Name))}." };
        var config = new Option<string?>("--config") { Description = "An HF config.json to initialise from instead of a preset." };
        var output = CommonOptions.Output("Directory to write the HF model directory to.");
        var seed = new Option<long>("--seed") { Description = "Seed for the weight initialisation.", DefaultValueFactory = _ => 1234 };
        var dtype = CommonOptions.Dtype("Weight dtype on disk: float32 or bfloat16.");
        var tokenizer = CommonOptions.OptionalTokenizer("Tokenizer directory: copied into the model; its vocabulary size and special ids are used.");
        var command = new Command("init", "Initialise a new model (HF init: N(0, initializer_range)) and save it as an HF model directory.")
        {
            preset, config, output, seed, dtype, tokenizer,
        };
        command.SetAction(parse =>
        {
            var c = LoadConfig(parse.GetValue(preset), parse.GetValue(config));
            var tokenizerDir = parse.GetValue(tokenizer);
            if (tokenizerDir is not null) TokenizerInfo.Apply(tokenizerDir, c);
            c.Validate("model config");
            var type = HfModelDirectory.ParseDtype(parse.GetValue(dtype)!);
            var accounting = ModelAccounting.For(c);
            EnsureMemory(accounting.TotalParameters * (type == ScalarType.Float32 ? 4L : 2L), $"initialising the model in {HfModelDirectory.DtypeName(type)}");
            var dir = parse.GetValue(output)!;
            // Build the parameters directly in the target dtype so a 7B model initialises in bf16 within 24 GB.
            var previous = get_default_dtype();
            set_default_dtype(type);
            try
            {
                using var m = new LlamaForCausalLM(c);
                m.InitializeWeights(parse.GetValue(seed));
                HfModelDirectory.Save(m, dir, tokenizerDir);
            }
            finally
            {
                set_default_dtype(previous);
            }
            CliApp.Info($"Wrote {c.ModelType} model with {accounting.TotalParameters:N0} parameters to {dir}");
            return 0;
        });
        return command;
    }

    static Command Info()
    {
        var dir = new Argument<string?>("DIR") { Description = "Model directory (or omit and give --preset).", Arity = ArgumentArity.ZeroOrOne };
        var preset = new Option<string?>("--preset") { Description = "Describe a preset instead of a directory." };
        var seqLength = new Option<int?>("--seq-length") { Description = "Sequence length for the FLOP and KV-cache figures (default: min(max_position_embeddings, 4096))." };
        var batch = new Option<int>("--batch") { Description = "Rows per micro-batch for the activation figures.", DefaultValueFactory = _ => 1 };
        var command = new Command("info", "Architecture, parameters (total/active), FLOPs per token and a memory table (training states, activations with and without gradient checkpointing, KV cache).") { dir, preset, seqLength, batch };
        command.SetAction(parse =>
        {
            var c = parse.GetValue(dir) is { } d ? LlamaConfig.Load(d) : LoadConfig(parse.GetValue(preset), null);
            if (parse.GetValue(batch) < 1) throw new ArgumentException($"--batch must be at least 1 (got {parse.GetValue(batch)}).");
            ModelReport.Print(c, parse.GetValue(seqLength) ?? Math.Min(c.MaxPositionEmbeddings, 4096), parse.GetValue(batch));
            return 0;
        });
        return command;
    }

    static Command Score()
    {
        var modelDir = CommonOptions.Model("Model directory.");
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids, e.g. 1,2,3." };
        var text = new Option<string?>("--text") { Description = "Text to encode with the model directory's tokenizer.model (BOS prepended)." };
        var json = new Option<bool>("--json") { Description = "Print JSON: per position 1..n-1 the log-probability of the actual token, and the total NLL." };
        var command = new Command("score", "Per-token log-probabilities and total negative log-likelihood of a token sequence.") { modelDir, ids, text, json };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(modelDir)!;
            var tokens = (parse.GetValue(ids), parse.GetValue(text)) switch
            {
                ({ } i, null) => ParseIds(i),
                (null, { } t) => EncodeWithModelTokenizer(dir, t),
                _ => throw new ArgumentException("give either --ids or --text."),
            };
            using var model = HfModelDirectory.Load(dir);
            if (tokens.FirstOrDefault(t => t < 0 || t >= model.Config.VocabSize, -1) is var bad and not -1)
                throw new ArgumentException($"--ids: token id {bad} is outside the model's vocabulary (0..{model.Config.VocabSize - 1}).");
            var result = SequenceScorer.Score(model, tokens);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
            else
            {
                var table = new Table().AddColumns("position", "token", "log p");
                foreach (var t in result.Tokens) table.AddRow(t.Position.ToString(), t.Id.ToString(), t.LogProb.ToString("F4"));
                AnsiConsole.Write(table);
                CliApp.Info($"total NLL {result.TotalNll:F4} over {result.Tokens.Count} predicted tokens (perplexity {Math.Exp(result.TotalNll / Math.Max(1, result.Tokens.Count)):F2})");
            }
            return 0;
        });
        return command;
    }

    static long[] EncodeWithModelTokenizer(string modelDir, string text)
    {
        var tokenizer = TokenizerDirectory.LoadForModel(modelDir); // or pass --ids
        var encoded = tokenizer.Encode(text).Select(i => (long)i);
        var withBos = tokenizer.BosId >= 0 ? encoded.Prepend(tokenizer.BosId).ToArray() : encoded.ToArray();
        if (withBos.Length < 2) throw new ArgumentException("--text: encodes to fewer than two tokens; nothing to score.");
        return withBos;
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    static long[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new ArgumentException("--ids: give at least two token ids (the first is context, the rest are scored).");
        return parts.Select((p, i) => long.TryParse(p, out var v) ? v
            : throw new ArgumentException($"--ids: item {i + 1} ('{p}') is not an integer token id.")).ToArray();
    }

    internal static LlamaConfig LoadConfig(string? preset, string? configPath) => (preset, configPath) switch
    {
        (not null, null) => ModelPresets.Get(preset),
        (null, not null) => LlamaConfig.Load(configPath),
        (null, null) => throw new ArgumentException("give --preset NAME or --config FILE."),
        _ => throw new ArgumentException("give either --preset or --config, not both."),
    };

    static void EnsureMemory(long bytes, string what)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available * 0.9)
            throw new InvalidOperationException(
                $"{what} needs about {bytes / 1e9:F1} GB but this machine has {available / 1e9:F1} GB; use a smaller preset or a larger machine.");
    }
}
