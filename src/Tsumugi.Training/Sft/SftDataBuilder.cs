using Tsumugi.Tokenization;
using System.Globalization;
using System.Text;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training.Config;

namespace Tsumugi.Training.Sft;

/// <summary>
/// The preflight of an SFT run's data: read and check the instruction files (<see cref="SftReader"/>), render every
/// example with the chat template and tokenize it with its loss mask (<see cref="SftEncoder"/>), reject what cannot be
/// used (counted, with file and line), pack or batch the rows, and size the run. Every problem is a
/// <see cref="TrainConfigException"/> before any weight is touched.
/// </summary>
internal static class SftDataBuilder
{
    /// <param name="rowsPerStep">Rows of the global batch (micro batch × accumulation × processes).</param>
    /// <param name="batchRows">Rows drawn together for one micro-batch on every process (length groups keep them together).</param>
    public static SftRunData Build(TrainConfig config, int vocabularySize, long rowsPerStep, int batchRows)
    {
        var sft = config.Sft ?? new SftSettings();
        var data = config.Data.Sft ?? throw new InvalidOperationException("not an SFT config");
        var (tokenizerDirectory, tokenizer) = Tokenizer(config, vocabularySize, "SFT");
        var template = Guard(() => ResolveTemplate(sft.ChatTemplate, tokenizerDirectory, tokenizer, config.BaseDirectory), "sft.chat_template");
        var dataset = Guard(() => SftReader.Read(data), "data");
        if (template is null && dataset.Train.Concat(dataset.Validation).FirstOrDefault(e => !e.IsPlainText) is { } chat)
            throw new TrainConfigException($"{chat.Location}: a conversation needs a chat template, and {tokenizerDirectory} has none (no chat_template in tokenizer_config.json, no chat_template.jinja); set sft.chat_template to chatml, llama2, instruction or a .jinja file");

        var encoder = new SftEncoder(tokenizer, template, sft.LossOn);
        var report = dataset.Report;
        var train = Encode(dataset.Train, encoder, report);
        var validation = Encode(dataset.Validation, encoder, report);
        var rowLength = config.Train.SeqLength + 1;
        var pad = Math.Max(0, tokenizer.EosId); // padding is never attended to or scored; any id in the vocabulary will do
        var (trainRows, efficiency) = Rows(train, data, rowLength, batchRows, pad, report, data.Seed);
        var (validationRows, _) = Rows(validation, data, rowLength, batchRows, pad, report, data.Seed);
        if (data.Rejects is { } rejects) report.WriteRejects(rejects);
        if (trainRows.Count == 0)
            throw new TrainConfigException($"{data.Source}: no training example is left.\n{report.Summary()}");

        var source = new SftSampleSource("sft", trainRows, data.Packing == SftPacking.Bfd ? 1 : batchRows, data.Seed, shuffle: true);
        var steps = Steps(config, rowsPerStep, trainRows.Count, sft.Epochs);
        var options = new SamplerOptions { SequenceLength = config.Train.SeqLength, Seed = data.Seed, Packing = PackingMode.BestFit, PadId = pad };
        var summary = Summary(report, template, sft, data, trainRows.Count, efficiency);
        var plan = DataPlan.InMemory(string.Join(", ", data.Paths), options, source, steps * rowsPerStep, train.Count, validationRows, summary);
        var samples = validation.Take(sft.Samples).Select(e => encoder.Sample(e.Example)).ToList();
        return new SftRunData(plan, steps, tokenizer, template, samples);
    }

    /// <summary>The base model's tokenizer (model.tokenizer, else model.from), checked against the model's vocabulary.</summary>
    internal static (string Directory, ITokenizer Tokenizer) Tokenizer(TrainConfig config, int vocabularySize, string run)
    {
        var directory = config.Model.Tokenizer ?? config.Model.From
            ?? throw new TrainConfigException($"{config.Source}: model: {run} needs the base model's tokenizer; start from an HF model directory (model.from) or give model.tokenizer");
        var tokenizer = Guard(() => TokenizerDirectory.LoadForModel(directory), "model.tokenizer");
        if (tokenizer.VocabSize > vocabularySize)
            throw new TrainConfigException($"{directory}: the tokenizer has {tokenizer.VocabSize:N0} pieces but the model's vocab_size is {vocabularySize:N0}; use the model's own tokenizer");
        return (directory, tokenizer);
    }

    /// <summary>A built-in name, a .jinja file, or (null) the model directory's own template.</summary>
    internal static ChatTemplate? ResolveTemplate(string? setting, string tokenizerDirectory, ITokenizer tokenizer, string baseDirectory)
    {
        if (setting is null) return ModelChatTemplate.Load(tokenizerDirectory);
        var file = Path.GetFullPath(setting, baseDirectory);
        if (!File.Exists(file)) return BuiltInChatTemplates.For(ChatPrompt.ParseFormat(setting));
        var special = new Dictionary<string, string>();
        if (tokenizer.BosId >= 0) special["bos_token"] = tokenizer.IdToPiece(tokenizer.BosId);
        if (tokenizer.EosId >= 0) special["eos_token"] = tokenizer.IdToPiece(tokenizer.EosId);
        return ChatTemplate.Parse(File.ReadAllText(file), special, file);
    }

    static List<(SftExample Example, SftTokenizedExample Tokens)> Encode(IReadOnlyList<SftExample> examples, SftEncoder encoder, SftReadReport report)
    {
        var encoded = new List<(SftExample, SftTokenizedExample)>(examples.Count);
        foreach (var example in examples)
        {
            try
            {
                var tokens = encoder.Encode(example);
                if (tokens.Trained.Skip(1).Any(t => t)) encoded.Add((example, tokens));
                else report.Reject(example, SftRejectReason.EmptyTurn, "no token to train on (the loss setting leaves none)");
            }
            catch (ChatTemplateException e)
            {
                report.Reject(example, SftRejectReason.TemplateError, e.Message);
            }
        }
        return encoded;
    }

    static (List<TrainingSample> Rows, double Efficiency) Rows(List<(SftExample Example, SftTokenizedExample Tokens)> examples, SftDataConfig data,
        int rowLength, int batchRows, int pad, SftReadReport report, long seed)
    {
        if (examples.Count == 0) return ([], 0);
        var lengths = examples.Select(e => e.Tokens.Length).ToList();
        var tokens = examples.Select(e => e.Tokens).ToList();
        IReadOnlyList<int> truncated, skipped;
        List<TrainingSample> rows;
        double efficiency;
        if (data.Packing == SftPacking.Bfd)
        {
            var plan = SftBestFitPacker.Pack(lengths, rowLength, data.Overlong, seed);
            (rows, efficiency, truncated, skipped) = (SftRows.FromPacking(plan, tokens, rowLength, pad), plan.Efficiency, plan.Truncated, plan.Skipped);
        }
        else
        {
            var factor = data.Packing == SftPacking.Padding ? data.MegabatchFactor : 1;
            var plan = SftLengthGroupedBatcher.Plan(lengths, batchRows, factor, rowLength, data.Overlong, seed);
            (rows, efficiency, truncated, skipped) = (SftRows.FromBatches(plan, tokens, rowLength, pad), plan.Efficiency, plan.Truncated, plan.Skipped);
        }
        report.Truncated += truncated.Count;
        foreach (var i in skipped)
            report.Reject(examples[i].Example, SftRejectReason.TooLong, $"{lengths[i]:N0} tokens, above the row of {rowLength:N0} (train.seq_length + 1)");
        return (rows, efficiency);
    }

    internal static long Steps(TrainConfig config, long rowsPerStep, int rows, double epochs)
    {
        var t = config.Train;
        var global = rowsPerStep * t.SeqLength;
        if (t.MaxSteps is { } max) return max;
        if (t.Tokens is { } tokens) return (tokens + global - 1) / global;
        return Math.Max(1, (long)Math.Ceiling(epochs * rows / rowsPerStep));
    }

    static string Summary(SftReadReport report, ChatTemplate? template, SftSettings sft, SftDataConfig data, int rows, double efficiency)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        foreach (var line in report.Summary().TrimEnd('\n').Split('\n')) sb.Append("  ").AppendLine(line);
        sb.AppendLine(ci, $"  chat template {template?.Origin ?? "— (plain text)"}; loss on {YamlSectionName(sft.LossOn)} tokens{(sft.NeftuneAlpha > 0 ? $"; NEFTune α {sft.NeftuneAlpha:0.##}" : "")}");
        sb.AppendLine(ci, $"  {rows:N0} rows ({YamlSectionName(data.Packing)}), packing efficiency {efficiency:P1} (example tokens / row positions)");
        return sb.ToString();
    }

    static string YamlSectionName<T>(T value) where T : struct, Enum => Common.Config.YamlSection.SnakeCase(value.ToString());

    /// <summary>Runs a step of the preflight, turning its data or template error into a config error naming <paramref name="key"/>'s source.</summary>
    internal static T Guard<T>(Func<T> step, string key)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is Common.Config.ConfigException or ChatTemplateException or InvalidDataException or FileNotFoundException or ArgumentException)
        {
            throw e as TrainConfigException ?? new TrainConfigException(e is ArgumentException ? $"{key}: {e.Message}" : e.Message);
        }
    }
}
