using System.Globalization;
using System.Text;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// The reference model's summed completion log-prob of every row, computed once before training (TRL's
/// <c>precompute_ref_log_probs</c>) and cached in RUN_DIR/reference_logps.tsv: one "row\tlogp" line per row after a
/// header naming the data and model it belongs to. The pass appends and flushes batch by batch, so a killed pass resumes
/// where it stopped; a cache for other data or another base model is recomputed, never reused.
/// </summary>
public sealed class ReferenceLogProbs
{
    public const string FileName = "reference_logps.tsv";

    private readonly double[] _values;

    private ReferenceLogProbs(double[] values) => _values = values;

    /// <summary>The reference log-prob of row <paramref name="index"/> (numbered as <see cref="DpoRunData.RowIndex"/>).</summary>
    public double this[int index] => _values[index];

    /// <summary>
    /// Loads the cache or completes it with <paramref name="model"/> (in eval mode, no gradients), reporting progress to
    /// <paramref name="log"/>. <paramref name="identity"/> names the rows and the reference weights.
    /// </summary>
    public static ReferenceLogProbs LoadOrCompute(string runDirectory, string identity, IReadOnlyList<TrainingSample> rows,
        LlamaForCausalLM model, Device device, int batchRows, TextWriter log)
    {
        var path = Path.Combine(runDirectory, FileName);
        var values = new double[rows.Count];
        var known = Read(path, identity, values);
        if (known == rows.Count) return new ReferenceLogProbs(values);
        var header = $"# {identity}\n";
        if (known == 0) File.WriteAllText(path, header);
        log.WriteLine(known == 0
            ? $"reference log-probs: scoring {rows.Count:N0} rows once ({FileName})"
            : $"reference log-probs: {known:N0} of {rows.Count:N0} rows cached, scoring the rest");
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var file = new StreamWriter(path, append: true, new UTF8Encoding(false));
            for (var start = known; start < rows.Count; start += batchRows)
            {
                using var scope = NewDisposeScope();
                var batch = new TrainingBatch(rows.Skip(start).Take(batchRows).ToList());
                var (ids, labels) = Tensors(batch, device);
                var sums = SequenceLogProbs.Summed(model, ids, labels).to(ScalarType.Float64).cpu().data<double>().ToArray();
                var text = new StringBuilder();
                for (var i = 0; i < sums.Length; i++)
                {
                    values[start + i] = sums[i];
                    text.Append(CultureInfo.InvariantCulture, $"{start + i}\t{sums[i]:R}\n");
                }
                file.Write(text);
                file.Flush(); // a kill loses at most the batch being scored
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return new ReferenceLogProbs(values);
    }

    /// <summary>Whether the cache holds all <paramref name="rows"/> rows for <paramref name="identity"/> (read only).</summary>
    public static bool IsComplete(string runDirectory, string identity, int rows)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) return false;
        using var reader = new StreamReader(path);
        if (reader.ReadLine() != $"# {identity}") return false;
        var count = 0;
        while (reader.ReadLine() is { Length: > 0 }) count++;
        return count >= rows;
    }

    /// <summary>Reads the rows cached so far, in order; 0 when the file is missing, torn at the header, or for other rows/weights.</summary>
    static int Read(string path, string identity, double[] values)
    {
        if (!File.Exists(path)) return 0;
        using var reader = new StreamReader(path);
        if (reader.ReadLine() != $"# {identity}") return 0;
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab < 0 || !int.TryParse(line.AsSpan(0, tab), CultureInfo.InvariantCulture, out var row) || row != count || row >= values.Length
                || !double.TryParse(line.AsSpan(tab + 1), CultureInfo.InvariantCulture, out var value)) break; // a torn last line ends the cache
            values[count++] = value;
        }
        if (count < values.Length) Truncate(path, identity, values, count);
        return count;
    }

    /// <summary>Rewrites the file with its good lines only, so appended lines follow a clean one.</summary>
    static void Truncate(string path, string identity, double[] values, int count)
    {
        var text = new StringBuilder($"# {identity}\n");
        for (var i = 0; i < count; i++) text.Append(CultureInfo.InvariantCulture, $"{i}\t{values[i]:R}\n");
        Common.AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>The batch's ids and labels, cut after the longest row's last token (trailing padding changes no score).</summary>
    internal static (Tensor Ids, Tensor Labels) Tensors(TrainingBatch batch, Device device)
    {
        var width = Math.Max(2, batch.Samples.Max(r => batch.RowLength - r.PaddingLength));
        var ids = tensor(batch.Tokens.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]).narrow(1, 0, width);
        var labels = tensor(batch.Labels.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]).narrow(1, 0, width);
        return (ids.to(device), labels.to(device));
    }
}
