using Tsumugi.Common;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Adapters;

/// <summary>What <see cref="AdapterMerge.MergeDirectory"/> did, for the CLI to report.</summary>
public sealed record AdapterMergeReport(int Projections, IReadOnlyList<string> TargetNames, int SavedModuleParameters, string Dtype);

/// <summary>
/// Folds a PEFT LoRA adapter into an HF model directory and writes the result as a new, plain HF model directory.
/// The output appears whole or not at all: it is written into a hidden sibling, fsynced, then renamed into place.
/// </summary>
public static class AdapterMerge
{
    public static AdapterMergeReport MergeDirectory(string modelDirectory, string adapterDirectory, string outputDirectory)
    {
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        if (output == Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)))
            throw new ArgumentException($"--output {outputDirectory} is the input model directory; write the merged model to a new directory.");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"{outputDirectory}: already exists and is not empty; choose a new output directory or remove it.");

        // Merge in the checkpoint's own dtype (the update is summed in fp32 either way); bf16 7B stays within 16 GB.
        var name = LlamaConfig.Load(modelDirectory).TorchDtype;
        var dtype = name is "float32" or "bfloat16" or "float16" ? HfModelDirectory.ParseDtype(name) : ScalarType.Float32;
        using var model = HfModelDirectory.Load(modelDirectory, dtype);
        var adapter = LoraAdapter.Load(adapterDirectory, model);
        var report = new AdapterMergeReport(adapter.Layers.Count, adapter.TargetNames,
            adapter.NamedParameters().Count() - 2 * adapter.Layers.Count, HfModelDirectory.DtypeName(dtype));
        adapter.Merge();

        string parent = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(parent);
        string partial = Path.Combine(parent, $".{Path.GetFileName(output)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        try
        {
            HfModelDirectory.Save(model, partial, dtype: dtype);
            if (HfModelDirectory.TokenizerFiles.Any(f => File.Exists(Path.Combine(modelDirectory, f))))
                HfModelDirectory.CopyTokenizer(modelDirectory, partial);
            // The source's generation settings (sampling defaults, extra EOS ids) outrank the ones derived from config.json.
            string generation = Path.Combine(modelDirectory, "generation_config.json");
            if (File.Exists(generation)) File.Copy(generation, Path.Combine(partial, "generation_config.json"), overwrite: true);
            FileSync.SyncTree(partial);
            if (Directory.Exists(output)) Directory.Delete(output); // empty, checked above
            Directory.Move(partial, output);
            FileSync.SyncDirectory(parent);
        }
        catch
        {
            try { Directory.Delete(partial, recursive: true); } catch (IOException) { } // best effort: the error matters more
            throw;
        }
        return report;
    }
}
