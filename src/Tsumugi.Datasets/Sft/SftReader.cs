namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Reads the SFT data a config names: expands the paths, decides each file's format from its first record (or the
/// configured one), converts every record to an <see cref="SftExample"/> or a counted reject, and splits off the
/// validation share. Configuration mistakes (a missing column, an unknown shape, no files) throw
/// <see cref="SftDataException"/> before anything trains; bad records never do.
/// </summary>
public static class SftReader
{
    public static SftDataset Read(SftDataConfig config)
    {
        var files = ExpandPaths(config.Paths);
        var report = new SftReadReport();
        var examples = new List<SftExample>();
        foreach (var file in files) ReadFile(file, config, examples, report);
        if (examples.Count == 0)
            throw new SftDataException($"{config.Source}: no usable SFT examples in {files.Count} file(s) ({report.Rejected} rejected)\n{report.Summary()}");
        var (train, validation) = SftSplit.Split(examples, config.ValidationFraction, config.Seed);
        report.Accepted = examples.Count;
        report.TrainCount = train.Count;
        report.ValidationCount = validation.Count;
        if (config.Rejects is not null) report.WriteRejects(config.Rejects);
        return new SftDataset(train, validation, report);
    }

    /// <summary>Reads one file into <paramref name="examples"/>; its rejects go to <paramref name="report"/>.</summary>
    public static void ReadFile(string file, SftDataConfig config, List<SftExample> examples, SftReadReport report)
    {
        SftRecordParser? parser = null;
        var recordFields = SftShape.RecordFields(config.Columns);
        foreach (var record in SftRecordSource.Read(file, recordFields))
        {
            report.RecordsRead++;
            // The file's shape comes from its first well-formed object; malformed lines before it are still counted.
            if (parser is null && record.Error is null && record.Element.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                var format = SftShape.Resolve(config.Format, config.Columns, record);
                report.AddFile(file, format);
                parser = new SftRecordParser(format, config.Columns, config.SystemPrompt);
            }
            var (example, reject) = (parser ?? MalformedOnly).Parse(record);
            if (example is not null) examples.Add(example);
            else report.Reject(reject!);
        }
        if (parser is null && !report.Formats.ContainsKey(file)) report.AddFile(file, config.Format);
    }

    // Records before the first object can only be rejects (malformed JSON or a non-object): any format reports them.
    private static readonly SftRecordParser MalformedOnly = new(SftFormat.Openai, new SftColumns(), null);

    private static List<string> ExpandPaths(IReadOnlyList<string> paths) =>
        RecordFiles.Expand(paths, "an SFT", message => new SftDataException(message));
}
