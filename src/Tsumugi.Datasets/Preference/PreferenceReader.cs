using System.IO.Hashing;
using System.Text.Json;
using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// Reads the preference data a config names, through the SFT data path (same file types and containers, same message
/// parsing and conversation rules): expands the paths, decides the shape from the first record (or the configured
/// format), converts every record to a pair, a labelled example or a counted reject, and splits off the validation
/// share by prompt. Configuration mistakes (a missing column, files of different shapes, no files) throw
/// <see cref="PreferenceDataException"/> before anything trains; bad records never do.
/// </summary>
public static class PreferenceReader
{
    public static PreferenceDataset Read(PreferenceDataConfig config)
    {
        var files = RecordFiles.Expand(config.Paths, "a preference", message => new PreferenceDataException(message));
        var report = new PreferenceReadReport();
        var pairs = new List<PreferenceExample>();
        var unpaired = new List<UnpairedPreferenceExample>();
        PreferenceShape.FileShape? first = null;
        foreach (var file in files) first = ReadFile(file, config, first, pairs, unpaired, report) ?? first;
        if (pairs.Count + unpaired.Count == 0)
            throw new PreferenceDataException($"{config.Source}: no usable preference records in {files.Count} file(s) ({report.Rejected} rejected)\n{report.Summary()}");

        var format = first!.Value.Format;
        var (train, validation) = RecordSplit.Split(pairs, config.ValidationFraction, config.Seed, (e, hash) => PromptKey(e.Prompt, hash));
        var (unpairedTrain, unpairedValidation) = RecordSplit.Split(unpaired, config.ValidationFraction, config.Seed, (e, hash) => PromptKey(e.Prompt, hash));
        report.Format = format;
        report.Accepted = pairs.Count + unpaired.Count;
        report.TrainCount = train.Count + unpairedTrain.Count;
        report.ValidationCount = validation.Count + unpairedValidation.Count;
        if (config.Rejects is not null) report.WriteRejects(config.Rejects);
        return new PreferenceDataset(format, train, validation, unpairedTrain, unpairedValidation, report);
    }

    /// <summary>
    /// Reads one file; returns its shape (null when it held no JSON object to tell it from). Records sharing a prompt are
    /// held out together, so a validation prompt is never trained on.
    /// </summary>
    private static PreferenceShape.FileShape? ReadFile(string file, PreferenceDataConfig config, PreferenceShape.FileShape? first,
        List<PreferenceExample> pairs, List<UnpairedPreferenceExample> unpaired, PreferenceReadReport report)
    {
        report.AddFile(file);
        PreferenceRecordParser? parser = null;
        PreferenceShape.FileShape? shape = null;
        try
        {
            foreach (var record in SftRecordSource.Read(file, PreferenceShape.RecordFields(config.Columns)))
            {
                report.RecordsRead++;
                // The file's shape comes from its first well-formed object; malformed lines before it are still counted.
                if (parser is null && record.Error is null && record.Element.ValueKind == JsonValueKind.Object)
                {
                    shape = PreferenceShape.Resolve(config.Format, config.Columns, record, first);
                    parser = new PreferenceRecordParser(shape.Value, config.Columns, config.SystemPrompt);
                }
                var result = (parser ?? MalformedOnly).Parse(record);
                if (result.Pair is { } pair) pairs.Add(pair);
                else if (result.Unpaired is { } example) unpaired.Add(example);
                else report.Reject(result.Reject!);
            }
        }
        catch (SftDataException e)
        {
            // The shared file reader words its errors (a damaged .gz, a JSON file that does not parse) for any data.
            throw new PreferenceDataException(e.Message);
        }
        return shape;
    }

    // Records before the first object can only be rejects (malformed JSON or a non-object): any shape reports them.
    private static readonly PreferenceRecordParser MalformedOnly = new(new PreferenceShape.FileShape(PreferenceFormat.Paired, true, ""), new PreferenceColumns(), null);

    private static void PromptKey(IReadOnlyList<SftMessage> prompt, XxHash64 hash) => RecordSplit.AppendMessages(hash, prompt);
}
