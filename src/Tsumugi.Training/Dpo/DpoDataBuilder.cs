using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using Tsumugi.Training.Config;
using Tsumugi.Training.Sft;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// The preflight of a preference run's data: read and check the preference files (<see cref="PreferenceReader"/>),
/// render each pair's two conversations with the chat template and tokenize them with completion masks
/// (<see cref="DpoPairEncoder"/>), order pairs into length-grouped micro-batches, and size the run. Every problem is a
/// <see cref="TrainConfigException"/> before any weight is touched.
/// </summary>
internal static class DpoDataBuilder
{
    /// <param name="rowsPerStep">Rows of the global batch (two per pair).</param>
    /// <param name="batchRows">Rows drawn together for one micro-batch on every process.</param>
    public static DpoRunData Build(TrainConfig config, int vocabularySize, long rowsPerStep, int batchRows)
    {
        var settings = config.Dpo ?? throw new InvalidOperationException("not a preference config");
        var data = config.Data.Preference ?? throw new InvalidOperationException("not a preference config");
        if (config.Train.MicroBatchSize % 2 != 0)
            throw new TrainConfigException($"{config.Source}: train.micro_batch_size {config.Train.MicroBatchSize} is odd; a preference run counts rows, and each pair is two rows (chosen, rejected), so use {config.Train.MicroBatchSize + 1}");
        var (tokenizerDirectory, tokenizer) = SftDataBuilder.Tokenizer(config, vocabularySize, "a preference run");
        var template = SftDataBuilder.Guard(() => SftDataBuilder.ResolveTemplate(settings.ChatTemplate, tokenizerDirectory, tokenizer, config.BaseDirectory), "dpo.chat_template");
        var dataset = SftDataBuilder.Guard(() => PreferenceReader.Read(data), "data");
        var unpairedData = dataset.UnpairedTrain.Count + dataset.UnpairedValidation.Count > 0;
        if (unpairedData && !settings.Loss.IsUnpaired)
            throw new TrainConfigException($"{data.Source}: the data holds unpaired examples (prompt, completion, label); train them with dpo.loss_type: kto (or apo_zero_unpaired)");
        if (template is null && (dataset.Train.Concat(dataset.Validation).Any(e => !e.IsPlainText) || dataset.UnpairedTrain.Concat(dataset.UnpairedValidation).Any(e => !e.IsPlainText)))
            throw new TrainConfigException($"{data.Source}: conversations need a chat template, and {tokenizerDirectory} has none; set dpo.chat_template to chatml, llama2, instruction or a .jinja file");

        var rowLength = config.Train.SeqLength + 1;
        var pad = Math.Max(0, tokenizer.EosId);
        var encoder = new SftEncoder(tokenizer, template, SftLossOn.Completion);
        var pairs = new DpoPairEncoder(encoder, rowLength, pad);
        var report = dataset.Report;
        // KTO on chosen/rejected data trains each pair as a desirable and an undesirable example (TRL's unpair_preference_dataset).
        IEnumerable<PreferencePair> Pairs(IReadOnlyList<PreferenceExample> paired, IReadOnlyList<UnpairedPreferenceExample> unpaired) =>
            settings.Loss.IsUnpaired ? PreferencePairs.Unpaired([.. unpaired, .. paired.SelectMany(e => e.Unpair())], data.Seed) : PreferencePairs.Paired(paired);
        var train = Encode(Pairs(dataset.Train, dataset.UnpairedTrain), pairs, report);
        var validation = Encode(Pairs(dataset.Validation, dataset.UnpairedValidation), pairs, report);
        if (data.Rejects is { } rejects) report.WriteRejects(rejects);
        if (train.Count == 0) throw new TrainConfigException($"{data.Source}: no training pair is left.\n{report.Summary()}");

        var trainRows = Ordered(train, batchRows / 2, rowLength, data.Seed);
        var validationRows = validation.SelectMany(p => new[] { p.Chosen, p.Rejected }).ToList();
        var index = new Dictionary<TrainingSample, int>(ReferenceEqualityComparer.Instance);
        foreach (var row in trainRows.Concat(validationRows)) index[row] = index.Count;
        var desirable = settings.Loss.IsUnpaired ? new bool[index.Count / 2] : null;
        if (desirable is not null)
            foreach (var p in train.Concat(validation)) desirable[index[p.Chosen] / 2] = p.Desirable;

        var source = new SftSampleSource("preference", trainRows, batchRows, data.Seed, shuffle: true);
        var steps = SftDataBuilder.Steps(config, rowsPerStep, trainRows.Count, settings.Epochs);
        var options = new SamplerOptions { SequenceLength = config.Train.SeqLength, Seed = data.Seed, Packing = PackingMode.BestFit, PadId = pad };
        var summary = Summary(report, template, settings, train, validation.Count, trainRows);
        var plan = DataPlan.InMemory(string.Join(", ", data.Paths), options, source, steps * rowsPerStep, train.Count, [], summary);
        var samples = PreferencePairs.Prompts(dataset).Take(settings.Samples).Select(encoder.Sample).ToList();
        var chat = new SftRunData(plan, steps, tokenizer, template, samples);
        return new DpoRunData(chat, trainRows, validationRows, index, desirable, Identity(trainRows, validationRows));
    }

    /// <summary>A pair encoded as its two rows (KTO: the example's row and its KL row).</summary>
    sealed record EncodedPair(TrainingSample Chosen, TrainingSample Rejected, bool Desirable);

    static List<EncodedPair> Encode(IEnumerable<PreferencePair> source, DpoPairEncoder encoder, PreferenceReadReport report)
    {
        var encoded = new List<EncodedPair>();
        foreach (var pair in source)
        {
            try
            {
                if (encoder.Encode(pair.Chosen, pair.Rejected, out var problem) is { } rows)
                {
                    encoded.Add(new EncodedPair(rows.Chosen, rows.Rejected, pair.Desirable));
                    if (rows.Truncated) report.Truncated++;
                }
                else report.Reject(new SftReject(pair.Location, SftRejectReason.TooLong, problem!, ""));
            }
            catch (Generation.Chat.Templates.ChatTemplateException e)
            {
                report.Reject(new SftReject(pair.Location, SftRejectReason.TemplateError, e.Message, ""));
            }
        }
        return encoded;
    }

    /// <summary>
    /// Pairs in length-grouped micro-batches (similar lengths together, so trimmed padding is small), flattened to rows:
    /// chosen then rejected, pair after pair. The sample source shuffles whole micro-batches.
    /// </summary>
    static List<TrainingSample> Ordered(List<EncodedPair> pairs, int batchPairs, int rowLength, long seed)
    {
        var lengths = pairs.Select(p => Math.Max(Length(p.Chosen), Length(p.Rejected))).ToList();
        var plan = SftLengthGroupedBatcher.Plan(lengths, Math.Max(1, batchPairs), megabatchFactor: 50, rowLength, SftOverlong.Truncate, seed);
        return plan.Batches.SelectMany(b => b).SelectMany(i => new[] { pairs[i].Chosen, pairs[i].Rejected }).ToList();
    }

    static int Length(TrainingSample row) => row.Tokens.Length - row.PaddingLength;

    static string Identity(IEnumerable<TrainingSample> train, IEnumerable<TrainingSample> validation)
    {
        var hash = new XxHash64();
        foreach (var row in train.Concat(validation))
        {
            hash.Append(MemoryMarshal.AsBytes(row.Tokens.AsSpan()));
            hash.Append(MemoryMarshal.AsBytes(row.Labels.AsSpan()));
        }
        return $"rows={hash.GetCurrentHashAsUInt64():x16}";
    }

    static string Summary(PreferenceReadReport report, Generation.Chat.Templates.ChatTemplate? template, DpoSettings settings,
        List<EncodedPair> train, int validation, List<TrainingSample> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        foreach (var line in report.Summary().TrimEnd('\n').Split('\n')) sb.Append("  ").AppendLine(line);
        var loss = settings.Loss;
        var what = loss.IsUnpaired ? "examples" : "pairs";
        sb.AppendLine(ci, $"  {train.Count:N0} training {what}, {validation:N0} held out; chat template {template?.Origin ?? "— (plain text)"}; loss on completion tokens");
        sb.AppendLine(ci, $"  loss {Common.Config.YamlSection.SnakeCase(loss.LossType.ToString())}, beta {loss.Beta:0.###}; reference {(loss.RequiresReference ? Common.Config.YamlSection.SnakeCase(settings.Reference.ToString()) : "none (reference-free)")}");
        var tokens = rows.Sum(r => (long)Length(r));
        sb.AppendLine(ci, $"  {rows.Count:N0} rows ({rows.Count / 2:N0} pairs of chosen + rejected), {tokens:N0} tokens");
        return sb.ToString();
    }
}
