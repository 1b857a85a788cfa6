using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Datasets.Preference;
using Tsumugi.Evaluation.Rewards;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Training.Config;
using Tsumugi.Training.Sft;

namespace Tsumugi.Training.Online;

/// <summary>
/// <c>tsumugi dpo online</c>: iterative DPO against a reward (RLHFlow's online recipe) on the same trainer as
/// <c>tsumugi dpo</c>. Iteration i (RUN_DIR/iterations/NNN/) samples k answers per prompt from the current policy
/// (samples.jsonl), scores them (rewards.jsonl), pairs the best with the worst (pairs.jsonl), trains DPO on the pairs
/// from the current policy (train/), and measures the new policy's mean reward on held-out prompts (held_out*.jsonl,
/// held_out.json — the iteration's completion mark). Iteration 000 measures the starting policy. Every phase writes
/// whole records as it goes, so <c>--resume</c> after a kill continues inside the phase it stopped in.
/// </summary>
public sealed class OnlineDpoLoop(TrainConfig config, string runDirectory, TextWriter log)
{
    private readonly OnlineSettings _settings = config.Online ?? throw new ArgumentException("not an online config", nameof(config));
    private readonly DpoSettings _dpo = config.Dpo!;

    public static string IterationDirectory(string runDirectory, int iteration) =>
        Path.Combine(runDirectory, "iterations", iteration.ToString("000", CultureInfo.InvariantCulture));

    /// <param name="resume">Continue an existing run directory; without it a non-empty one is refused.</param>
    public OnlineOutcome Run(bool resume, CancellationToken stop = default)
    {
        var start = config.Model.From ?? throw new TrainConfigException($"{config.Source}: an online run starts from a trained model: set model.from (an SFT model directory)");
        if (!resume && Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any())
            throw new TrainConfigException($"{runDirectory} is not empty; continue it with --resume or choose another --output");
        Directory.CreateDirectory(runDirectory);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, "config.yaml"), config.EffectiveYaml);
        var prompts = OnlinePromptSet.Read(_settings, config.Seed);
        var scorer = RewardScorerFactory.Create(_settings.Reward);
        log.WriteLine($"online DPO: {_settings.Iterations} iteration(s), {prompts.Train.Count} training prompts ({(_settings.PromptsPerIteration > 0 ? $"{Math.Min(_settings.PromptsPerIteration, prompts.Train.Count)} per iteration" : "all each iteration")}), " +
            $"{prompts.HeldOut.Count} held out; k = {_settings.SamplesPerPrompt}; reward {scorer.Name}; loss {YamlName(_dpo.Loss.LossType)}");

        var iterations = new List<OnlineIteration>();
        try
        {
            iterations.Add(Measure(0, start, prompts, scorer, pairs: 0, train: null, stop));
            var policy = start;
            for (var i = 1; i <= _settings.Iterations; i++)
            {
                var result = Iterate(i, policy, start, prompts, scorer, stop);
                iterations.Add(result);
                policy = result.Policy;
            }
        }
        catch (OperationCanceledException)
        {
            return Stopped(iterations, "signal: everything written so far is kept; continue with --resume");
        }
        catch (OnlineStopException e)
        {
            return Stopped(iterations, e.Message);
        }
        AtomicFile.WriteAllText(Path.Combine(runDirectory, "summary.json"), Summary(iterations));
        return new OnlineOutcome(iterations, true, null);
    }

    OnlineOutcome Stopped(List<OnlineIteration> iterations, string reason)
    {
        log.WriteLine($"online DPO stopped: {reason}");
        return new OnlineOutcome(iterations, false, reason);
    }

    OnlineIteration Iterate(int iteration, string policy, string start, OnlinePromptSet prompts, IRewardScorer scorer, CancellationToken stop)
    {
        var dir = IterationDirectory(runDirectory, iteration);
        if (ReadDone(dir) is { } done) return done;
        Directory.CreateDirectory(dir);
        log.WriteLine($"iteration {iteration}: policy {policy}");
        var slice = prompts.ForIteration(iteration, _settings.PromptsPerIteration);
        var trainDir = Path.Combine(dir, "train");
        var pairsPath = Path.Combine(dir, "pairs.jsonl");
        var trained = Path.Combine(dir, "trained.json");
        int pairs;
        double meanReward;
        if (!File.Exists(trained))
        {
            var (responses, rewards) = SampleAndScore(policy, slice, _settings.SamplesPerPrompt, $"t{iteration}", iteration, dir, "samples", scorer, stop);
            meanReward = responses.Average(r => rewards[r.Id]);
            pairs = WritePairs(iteration, responses, rewards, pairsPath);
            log.WriteLine($"  {responses.Count} answers, mean reward {meanReward:0.###}; {pairs} pairs (best vs worst of each prompt; ties give none)");
            if (pairs == 0)
                throw new OnlineStopException($"iteration {iteration}: every prompt's {_settings.SamplesPerPrompt} answers scored the same, so there is no pair to learn from; raise online.samples_per_prompt or online.temperature, then --resume");
            var next = Train(iteration, policy, start, pairsPath, trainDir, dir, stop);
            AtomicFile.WriteAllText(trained, new JsonObject { ["policy"] = next, ["pairs"] = pairs, ["mean_train_reward"] = meanReward }.ToJsonString());
        }
        var mark = JsonNode.Parse(File.ReadAllText(trained))!;
        return Measure(iteration, (string)mark["policy"]!, prompts, scorer, (int)mark["pairs"]!, (double)mark["mean_train_reward"]!, stop);
    }

    /// <summary>Mean reward of <paramref name="policy"/> on the held-out prompts; writes held_out.json, the iteration's completion mark.</summary>
    OnlineIteration Measure(int iteration, string policy, OnlinePromptSet prompts, IRewardScorer scorer, int pairs, double? train, CancellationToken stop)
    {
        var dir = IterationDirectory(runDirectory, iteration);
        if (ReadDone(dir) is { } done) return done;
        Directory.CreateDirectory(dir);
        // The same seed every iteration: the held-out answers differ only because the policy did.
        var (responses, rewards) = SampleAndScore(policy, prompts.HeldOut, _settings.HeldOutSamples, "h", 0, dir, "held_out", scorer, stop);
        var result = new OnlineIteration(iteration, responses.Average(r => rewards[r.Id]), pairs, responses.Count, train ?? double.NaN, policy);
        AtomicFile.WriteAllText(Path.Combine(dir, "held_out.json"), JsonSerializer.Serialize(result, Json));
        log.WriteLine($"iteration {iteration}: held-out reward {result.HeldOutReward:0.###} ({responses.Count} answers to {prompts.HeldOut.Count} prompts)");
        return result;
    }

    static OnlineIteration? ReadDone(string dir)
    {
        var path = Path.Combine(dir, "held_out.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<OnlineIteration>(File.ReadAllText(path), Json) : null;
    }

    (List<SampledResponse>, Dictionary<string, double>) SampleAndScore(string policy, IReadOnlyList<OnlinePrompt> prompts, int k, string idPrefix, int seedStream,
        string dir, string name, IRewardScorer scorer, CancellationToken stop)
    {
        List<SampledResponse> responses;
        using (var model = PretrainedModel.Load(policy, new PretrainedModelOptions { Engine = _settings.Engine, BatchedDecoding = _settings.DecodeBatch > 1 }))
        {
            var template = Template(policy, model);
            var (sampled, stats) = OnlineSampling.Sample(model, template, prompts, k, _settings, idPrefix,
                Datasets.Sampling.DeterministicRandom.For(config.Seed, seedStream, name.Length).NextInt64(long.MaxValue), Path.Combine(dir, $"{name}.jsonl"), log, stop);
            if (stats.Responses > 0)
                log.WriteLine($"  sampled {stats.Responses} answers in {stats.Seconds:0.0} s ({stats.TokensPerSecond:0} tokens/s, {_settings.DecodeBatch} decoded together; decoder: {model.Decoder})");
            responses = sampled;
        }
        var (rewards, failures) = OnlineSampling.Score(scorer, responses, Path.Combine(dir, $"{name}_rewards.jsonl"), stop);
        scorer.Tally.Write(Path.Combine(dir, "reward_tally.json"));
        if (failures.Count > 0)
        {
            var failed = Path.Combine(dir, $"{name}_failures.jsonl");
            AtomicFile.WriteAllText(failed, string.Concat(failures.Select(f => new JsonObject
            {
                ["id"] = f.Response.Id, ["kind"] = f.Failure.Kind, ["message"] = f.Failure.Message, ["response"] = f.Response.Text,
            }.ToJsonString() + "\n")));
            var kinds = string.Join(", ", failures.GroupBy(f => f.Failure.Kind).Select(g => $"{g.Count()} {g.Key}"));
            throw new OnlineStopException($"{failures.Count} of {responses.Count} answers could not be scored ({kinds}; first: {failures[0].Failure.Message}); " +
                $"they are listed in {failed}, every answer and reward so far is kept; fix the reward and --resume to score the rest. {scorer.Tally.SummaryLine()}");
        }
        return (responses, rewards);
    }

    /// <summary>The template the DPO run will train with (dpo.chat_template, else the policy's own), so sampled prompts match trained ones.</summary>
    ChatTemplate Template(string policy, PretrainedModel model) =>
        SftDataBuilder.ResolveTemplate(_dpo.ChatTemplate, policy, model.Tokenizer, config.BaseDirectory)
        ?? throw new TrainConfigException($"{policy}: the policy has no chat template; set dpo.chat_template (a built-in name or a .jinja file)");

    /// <summary>Best vs worst answer of each prompt (conversational records, as `tsumugi dpo` reads them), written whole.</summary>
    int WritePairs(int iteration, List<SampledResponse> responses, Dictionary<string, double> rewards, string path)
    {
        var lines = new List<string>();
        foreach (var group in responses.GroupBy(r => r.Prompt.Index))
        {
            var prompt = group.First().Prompt;
            var rng = new Random(unchecked((int)Datasets.Sampling.DeterministicRandom.For(config.Seed, iteration, prompt.Index).NextUInt64()));
            var scored = group.Select(r => new ScoredResponse(r.Id, r.Text, rewards[r.Id])).ToList();
            foreach (var pair in PreferencePairing.Select(scored, _settings.Pairing, rng))
                lines.Add(new JsonObject
                {
                    ["prompt"] = new JsonArray(prompt.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
                    ["chosen"] = Assistant(pair.Chosen.Response),
                    ["rejected"] = Assistant(pair.Rejected.Response),
                    ["chosen_reward"] = pair.Chosen.Score,
                    ["rejected_reward"] = pair.Rejected.Score,
                    ["chosen_id"] = pair.Chosen.Id,
                    ["rejected_id"] = pair.Rejected.Id,
                }.ToJsonString());
        }
        AtomicFile.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return lines.Count;
    }

    static JsonArray Assistant(string text) => [new JsonObject { ["role"] = "assistant", ["content"] = text }];

    /// <summary>DPO on this iteration's pairs from <paramref name="policy"/>; returns the new policy's model directory (LoRA: merged).</summary>
    string Train(int iteration, string policy, string start, string pairsPath, string trainDir, string dir, CancellationToken stop)
    {
        var data = new PreferenceDataConfig { Paths = [pairsPath], Source = pairsPath, ValidationFraction = 0, Seed = config.Seed + iteration };
        var run = config with
        {
            Online = null,
            Model = config.Model with { From = policy },
            Data = new DataSettings { Preference = data },
            Dpo = _dpo with { ReferenceModel = _settings.MoveReference || iteration == 1 ? _dpo.ReferenceModel : start },
        };
        using var trainer = Trainer.Open(run, trainDir, resume: true, log);
        var outcome = trainer.Run(stop);
        stop.ThrowIfCancellationRequested();
        if (!outcome.Completed || outcome.ModelDirectory is null)
            throw new OnlineStopException($"iteration {iteration}: training stopped ({outcome.StoppedBy ?? "no model written"}); see {trainDir}/events.jsonl, then --resume");
        if (config.Lora is null) return outcome.ModelDirectory;
        var merged = Path.Combine(dir, "model");
        if (Directory.Exists(merged)) Directory.Delete(merged, recursive: true);
        AdapterMerge.MergeDirectory(policy, outcome.ModelDirectory, merged);
        var template = Path.Combine(outcome.ModelDirectory, "chat_template.jinja");
        if (File.Exists(template)) File.Copy(template, Path.Combine(merged, "chat_template.jinja"), overwrite: true);
        return merged;
    }

    static string Summary(List<OnlineIteration> iterations) => JsonSerializer.Serialize(iterations, Json);

    static string YamlName(Preference.PreferenceLossType type) => Common.Config.YamlSection.SnakeCase(type.ToString());

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}

/// <summary>The loop cannot go on without the user (answers that cannot be scored, no pairs, training stopped); everything is kept.</summary>
internal sealed class OnlineStopException(string message) : Exception(message);
