using System.Diagnostics;
using System.Globalization;
using Tsumugi.Common;
using Tsumugi.Corpus.Reading;
using Tsumugi.Datasets;
using Tsumugi.Evaluation.Ensemble;
using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Generation.Ensemble;
using Tsumugi.Modeling;
using Tsumugi.Training.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Btm;

/// <summary>
/// Branch-Train-Merge (Li et al. 2022; docs/btm.md): branch every expert from one seed model, train each on its own
/// domain's datasets (OUTPUT/experts/NAME, a normal `tsumugi train` run directory), then combine them — by a mergekit
/// merge (<see cref="WriteMergeConfig"/>, run by the caller through the composition layer), or into an ensemble
/// directory (<see cref="BuildEnsemble"/>). <see cref="Prepare"/> builds and checks every expert's training plan before
/// any of them trains, so a bad dataset in the last expert fails at once, not after the first ones trained.
/// </summary>
public sealed class BtmRun
{
    public BtmConfig Config { get; }
    public string OutputDirectory { get; }

    /// <summary>The seed model directory: model.from, or OUTPUT/seed written from a preset/config.</summary>
    public string SeedDirectory { get; }

    public IReadOnlyList<BtmExpertRun> Experts { get; }

    BtmRun(BtmConfig config, string output, string seed, IReadOnlyList<BtmExpertRun> experts) =>
        (Config, OutputDirectory, SeedDirectory, Experts) = (config, output, seed, experts);

    public const string SeedDirectoryName = "seed";
    public const string ModelDirectoryName = "model";
    public const string EnsembleDirectoryName = "ensemble";
    public const string MergeConfigFile = "merge.yaml";

    /// <summary>Writes the seed when it is a preset, builds every expert's training config and checks its plan (data, budget, disk).</summary>
    public static BtmRun Prepare(BtmConfig config, string outputDirectory, TextWriter log)
    {
        var output = Path.GetFullPath(outputDirectory);
        if (File.Exists(output)) throw new TrainConfigException($"--output {output} is a file; give a directory for the BTM run");
        Directory.CreateDirectory(output);
        AtomicFile.WriteAllText(Path.Combine(output, "btm.yaml"), config.Yaml);
        var seed = SeedModel(config, output, log);
        var experts = new List<BtmExpertRun>();
        foreach (var spec in config.Experts)
        {
            var run = new BtmExpertRun(spec, Path.Combine(output, "experts", spec.Name), ExpertConfig(config, spec, seed));
            if (!run.IsTrained)
            {
                var c = run.TrainConfig;
                try
                {
                    using var plan = RunPlan.Create(c, ModelFactory.Config(c.Model), 1, c.Model.Dtype == ParameterDtype.Bfloat16, run.RunDirectory);
                }
                catch (TrainConfigException e)
                {
                    throw new TrainConfigException($"{e.Message} (expert '{spec.Name}', {config.Source}:{spec.Line})");
                }
            }
            experts.Add(run);
        }
        return new BtmRun(config, output, seed, experts);
    }

    /// <summary>model.from as is; a preset or config.json initialised from the seed and saved once as OUTPUT/seed.</summary>
    static string SeedModel(BtmConfig config, string output, TextWriter log)
    {
        var root = new YamlMappingNode { { "model", config.Model }, { "data", new YamlMappingNode { { "path", "unused" } } } };
        var settings = Read(config, root).Model;
        if (settings.From is { } from)
        {
            if (settings.Tokenizer is not null)
                throw Located(config, config.Model, "model.tokenizer beside model.from would extend the vocabulary in every expert; extend the seed once (`tsumugi model extend-vocab`) and give its output as model.from");
            if (!File.Exists(Path.Combine(from, "config.json"))) throw Located(config, config.Model, $"model.from: {from} has no config.json; give the seed's HF model directory");
            return from;
        }
        if (settings.VocabSizeFromData)
            throw Located(config, config.Model, "model.vocab_size: auto needs one dataset; the seed is shared by every expert, so give model.tokenizer (or a number)");
        var seedDir = Path.Combine(output, SeedDirectoryName);
        if (File.Exists(Path.Combine(seedDir, "config.json"))) return seedDir;
        var modelConfig = ModelFactory.Config(settings);
        using var model = ModelFactory.Build(settings, modelConfig, config.Seed, log);
        var staging = seedDir + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        HfModelDirectory.Save(model, staging, settings.Tokenizer);
        Directory.Move(staging, seedDir);
        log.WriteLine($"seed: {modelConfig.NumHiddenLayers} layers, width {modelConfig.HiddenSize}, vocabulary {modelConfig.VocabSize:N0}, initialised with seed {config.Seed} → {seedDir}");
        return seedDir;
    }

    static TrainConfigException Located(BtmConfig config, YamlNode node, string message) =>
        new(node.Start.Line > 0 ? $"{config.Source}:{node.Start.Line}: {message}" : $"{config.Source}: {message}");

    static TrainConfig Read(BtmConfig config, YamlMappingNode root) =>
        new TrainConfigReader(config.Source, config.BaseDirectory, RunKind.Pretrain).Read(root);

    /// <summary>
    /// The expert's `tsumugi train` config: the shared train: with the expert's train: deep-merged over it, steps and lr
    /// applied, the model continued from the seed, and its datasets as a one-stage inline curriculum whose weights follow
    /// the datasets' token counts and whose budget is steps × tokens per step.
    /// </summary>
    static TrainConfig ExpertConfig(BtmConfig config, BtmExpertSpec spec, string seed)
    {
        try
        {
            var model = new YamlMappingNode { { "from", seed } };
            if (config.Model.Children.TryGetValue(new YamlScalarNode("dtype"), out var dtype)) model.Add("dtype", dtype);
            var root = new YamlMappingNode { { "seed", config.Seed.ToString(CultureInfo.InvariantCulture) }, { "model", model } };
            foreach (var key in BtmConfigReader.TrainKeys)
            {
                var merged = Merge(Child(config.Train, key), Child(spec.Train, key));
                if (merged is not null) root.Add(key, merged);
            }
            var train = (YamlMappingNode?)Child(root, "train") ?? Add(root, "train");
            if (spec.Steps is { } s) train.Children[new YamlScalarNode("max_steps")] = new YamlScalarNode(s.ToString(CultureInfo.InvariantCulture));
            if (spec.LearningRate is { } lr)
                ((YamlMappingNode?)Child(root, "optimizer") ?? Add(root, "optimizer")).Children[new YamlScalarNode("lr")] = new YamlScalarNode(lr.ToString("R", CultureInfo.InvariantCulture));
            var data = (YamlMappingNode?)Child(root, "data") ?? new YamlMappingNode();
            root.Children.Remove(new YamlScalarNode("data"));
            // First pass, with a placeholder data path: checks every training key (with its line in the BTM file) and
            // gives the batch geometry the stage budget needs.
            root.Add("data", new YamlMappingNode { { "path", "unused" } });
            var probe = Read(config, root);
            long steps = probe.Train.MaxSteps ?? throw new TrainConfigException(
                $"{config.Source}:{spec.Line}: expert '{spec.Name}' has no step budget: set experts[].steps or train.train.max_steps");
            long global = probe.Train.GlobalBatchTokens ?? (long)probe.Train.SeqLength * probe.Train.MicroBatchSize;
            root.Children[new YamlScalarNode("data")] = CurriculumData(data, spec, steps * global);
            var writer = new StringWriter();
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            return Read(config, root) with { EffectiveYaml = writer.ToString().TrimEnd('.', '\n', '\r') + "\n" };
        }
        catch (TrainConfigException e) when (!e.Message.Contains($"expert '{spec.Name}'", StringComparison.Ordinal))
        {
            throw new TrainConfigException($"{e.Message} (in the training config of expert '{spec.Name}': the shared train: with experts[].train: over it)");
        }
    }

    static YamlMappingNode CurriculumData(YamlMappingNode options, BtmExpertSpec spec, long tokens)
    {
        var data = new YamlMappingNode();
        foreach (var (k, v) in options.Children) data.Add(k, v);
        var datasets = new YamlMappingNode();
        var sizes = new List<long>();
        foreach (var d in spec.Datasets)
        {
            try
            {
                using var opened = IndexedDataset.Open(d.Path);
                sizes.Add(opened.TokenCount);
            }
            catch (IndexedDatasetException e)
            {
                throw new TrainConfigException($"dataset '{d.Name}' of expert '{spec.Name}': {e.Message}");
            }
            datasets.Add(d.Name, new YamlMappingNode
            {
                { "path", d.Path }, { "domain", d.Domain ?? d.Name }, { "max_epochs", d.MaxEpochs.ToString("R", CultureInfo.InvariantCulture) },
            });
        }
        double total = sizes.Sum();
        if (total == 0) throw new TrainConfigException($"expert '{spec.Name}': its datasets hold no tokens");
        var mixture = new YamlMappingNode();
        for (int i = 0; i < spec.Datasets.Count; i++) mixture.Add(spec.Datasets[i].Name, (sizes[i] / total).ToString("R", CultureInfo.InvariantCulture));
        data.Add("datasets", datasets);
        data.Add("stages", new YamlSequenceNode(new YamlMappingNode
        {
            { "name", spec.Name }, { "tokens", tokens.ToString(CultureInfo.InvariantCulture) }, { "mixture", mixture },
        }));
        return data;
    }

    static YamlNode? Child(YamlMappingNode? map, string key) =>
        map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is not YamlScalarNode { Value: null or "" } ? v : null;

    static YamlMappingNode Add(YamlMappingNode root, string key)
    {
        var node = new YamlMappingNode();
        root.Add(key, node);
        return node;
    }

    /// <summary>
    /// <paramref name="over"/> over <paramref name="under"/>: mappings merge key by key, anything else is replaced. The
    /// original key and value nodes are kept, so errors still name their lines in the BTM file.
    /// </summary>
    static YamlNode? Merge(YamlNode? under, YamlNode? over)
    {
        if (over is not YamlMappingNode b) return over ?? (under is YamlMappingNode ? Merge(null, under) : under);
        var result = new YamlMappingNode();
        if (under is YamlMappingNode a)
            foreach (var (k, v) in a.Children) result.Children[k] = v;
        foreach (var (k, v) in b.Children)
            result.Children[k] = result.Children.TryGetValue(k, out var old) ? Merge(old, v)! : v;
        return result;
    }

    /// <summary>
    /// Trains one expert (resuming from its newest checkpoint when an earlier run was interrupted), or returns the
    /// recorded result of an expert that already finished. <paramref name="onOpened"/> sees the trainer before step 1
    /// (progress display).
    /// </summary>
    public BtmExpertResult Train(BtmExpertRun expert, TextWriter log, Action<Trainer>? onOpened = null, CancellationToken stop = default)
    {
        if (expert.IsTrained && BtmExpertResult.Read(expert.RunDirectory) is { } done) return done with { Skipped = true };
        var clock = Stopwatch.StartNew();
        using var trainer = Trainer.Open(expert.TrainConfig, expert.RunDirectory, resume: true, log);
        onOpened?.Invoke(trainer);
        var outcome = trainer.Run(stop);
        var result = new BtmExpertResult(expert.Name, expert.ModelDirectory, outcome.Step, outcome.Step * trainer.Plan.GlobalBatchTokens,
            outcome.FinalLoss, outcome.HeldOutLoss, clock.Elapsed.TotalSeconds) { Completed = outcome.Completed };
        if (!outcome.Completed) return result;
        if (outcome.ModelDirectory is null)
            throw new IOException($"expert '{expert.Name}': training finished but its model was not written ({string.Join("; ", outcome.Problems)})");
        result.Write(expert.RunDirectory);
        return result;
    }

    /// <summary>
    /// OUTPUT/merge.yaml: a mergekit config over the trained experts (the seed as base_model when
    /// <paramref name="withBaseModel"/>, for the task-vector methods), each expert's merge: parameters, weight 1 unless
    /// given when <paramref name="withWeights"/> (the method takes per-model weights), combine.parameters as global
    /// parameters. Returns its path; `tsumugi btm` passes it to the merger.
    /// </summary>
    public string WriteMergeConfig(bool withBaseModel, bool withWeights)
    {
        var c = Config.Combine;
        var models = new YamlSequenceNode();
        foreach (var expert in Experts)
        {
            var parameters = new YamlMappingNode();
            if (withWeights && expert.Spec.MergeParameters?.Children.ContainsKey(new YamlScalarNode("weight")) != true) parameters.Add("weight", "1.0");
            foreach (var (k, v) in expert.Spec.MergeParameters?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>()) parameters.Add(k, v);
            var entry = new YamlMappingNode { { "model", expert.ModelDirectory } };
            if (parameters.Children.Count > 0) entry.Add("parameters", parameters);
            models.Add(entry);
        }
        var root = new YamlMappingNode { { "merge_method", c.MergeMethod! } };
        if (withBaseModel) root.Add("base_model", SeedDirectory);
        root.Add("models", models);
        if (c.Parameters is { Children.Count: > 0 } global) root.Add("parameters", global);
        root.Add("dtype", c.Dtype);
        var writer = new StringWriter();
        writer.WriteLine($"# Written by `tsumugi btm` from {Config.Source}: the experts of {OutputDirectory}, merged with mergekit's {c.MergeMethod}.");
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var path = Path.Combine(OutputDirectory, MergeConfigFile);
        AtomicFile.WriteAllText(path, writer.ToString().TrimEnd('.', '\n', '\r') + "\n");
        return path;
    }

    /// <summary>
    /// OUTPUT/ensemble: a copy of every trained expert (experts/NAME) and ensemble.json, with the cached prior estimated
    /// on combine.prior_data when given (uniform otherwise). An earlier ensemble there is replaced. Returns its path.
    /// </summary>
    public string BuildEnsemble(TextWriter log)
    {
        var c = Config.Combine;
        var target = Path.Combine(OutputDirectory, EnsembleDirectoryName);
        var staging = target + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        foreach (var expert in Experts) CopyDirectory(expert.ModelDirectory, Path.Combine(staging, "experts", expert.Name));
        var manifest = new EnsembleManifest
        {
            Experts = Experts.Select(e => new EnsembleExpert(e.Name, $"experts/{e.Name}")).ToList(),
            TopK = c.TopK ?? Experts.Count, PriorEmaRate = c.PriorEmaRate,
        };
        manifest.Write(staging);
        if (c.PriorData.Count > 0)
        {
            using var ensemble = ExpertEnsemble.Load(staging);
            var inputs = new PerplexityInputs(c.PriorData, "held_out", TextMode.Paragraph);
            int context = Math.Min(ensemble.ContextLength, 512);
            var (prior, documents) = EnsemblePriorEstimator.Estimate(ensemble, inputs.Read(), new PerplexityOptions(context, Math.Max(1, context / 2), 4),
                c.PriorEmaRate, c.PriorDocuments);
            foreach (var issue in inputs.Issues.Take(5)) log.WriteLine($"warning: prior data: {issue}");
            if (documents == 0) log.WriteLine($"warning: combine.prior_data ({string.Join(", ", c.PriorData)}) held no text to score; the prior stays uniform");
            else
            {
                manifest = manifest with { Prior = prior, PriorDocuments = documents };
                manifest.Write(staging);
                log.WriteLine($"prior from {documents} held-out documents (EMA rate {c.PriorEmaRate}): " +
                    string.Join(", ", Experts.Select((e, j) => $"{e.Name} {prior[j]:0.###}")));
            }
        }
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(staging, target);
        return target;
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }
}
