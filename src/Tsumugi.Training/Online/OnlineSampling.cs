using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Evaluation.Rewards;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Training.Online;

/// <summary>One sampled answer: <see cref="Id"/> is stable across resumes (set, iteration, prompt, sample).</summary>
internal sealed record SampledResponse(string Id, OnlinePrompt Prompt, string Text, int Tokens, string Finish);

/// <summary>What sampling did this session: answers decoded and their aggregate speed (resumed answers are not counted).</summary>
internal sealed record SamplingStats(int Responses, long Tokens, double Seconds)
{
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}

/// <summary>
/// The two resumable phases of an iteration's sample set: k answers per prompt from a policy with the batched generator
/// (one JSONL line per prompt, written when all its answers are done), then one reward per answer (one line per answer).
/// Both files only grow by whole records, so a killed run resumes without decoding or scoring anything twice.
/// </summary>
internal static class OnlineSampling
{
    public static (List<SampledResponse> Responses, SamplingStats Stats) Sample(PretrainedModel model, ChatTemplate template, IReadOnlyList<OnlinePrompt> prompts,
        int k, OnlineSettings settings, string idPrefix, long seed, string path, TextWriter log, CancellationToken stop)
    {
        using var file = new ResumableJsonl(path);
        var byPrompt = prompts.ToDictionary(p => p.Index);
        var responses = new List<SampledResponse>();
        var done = new HashSet<int>();
        foreach (var record in file.Existing)
        {
            var prompt = byPrompt[(int)record["prompt"]!];
            done.Add(prompt.Index);
            responses.AddRange(record["responses"]!.AsArray().Select(r => new SampledResponse((string)r!["id"]!, prompt, (string)r["text"]!, (int)r["tokens"]!, (string)r["finish"]!)));
        }
        var todo = prompts.Where(p => !done.Contains(p.Index)).ToList();
        if (todo.Count == 0) return (responses, new SamplingStats(0, 0, 0));
        if (done.Count > 0) log.WriteLine($"  {Path.GetFileName(path)}: {done.Count} of {prompts.Count} prompts already sampled, sampling the rest");

        var generator = model.CreateChatGenerator();
        var stops = model.ChatStops;
        var clock = new Stopwatch();
        long tokens = 0;
        // Enough prompts per call to keep every decode row busy while the last answers of a chunk finish.
        var chunk = Math.Max(1, settings.DecodeBatch * 4 / k);
        foreach (var group in todo.Chunk(chunk))
        {
            stop.ThrowIfCancellationRequested();
            var ids = new List<IReadOnlyList<int>>();
            var options = new List<SamplingOptions>();
            foreach (var prompt in group)
            {
                var encoded = generator.EncodePrompt(ChatPrompt.Render(template, prompt.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList()));
                for (var j = 0; j < k; j++)
                {
                    ids.Add(encoded);
                    options.Add(new SamplingOptions
                    {
                        MaxNewTokens = settings.MaxNewTokens, Temperature = settings.Temperature, TopP = settings.TopP, Stop = stops,
                        Seed = (long)(DeterministicRandom.For(seed, prompt.Index, j).NextUInt64() >> 1),
                    });
                }
            }
            clock.Start();
            var results = generator.GenerateBatch(ids, options, settings.DecodeBatch);
            clock.Stop();
            for (var g = 0; g < group.Length; g++)
            {
                var prompt = group[g];
                var answers = new JsonArray();
                for (var j = 0; j < k; j++)
                {
                    var r = results[g * k + j];
                    var response = new SampledResponse($"{idPrefix}-{prompt.Index}-{j}", prompt, r.Text.Trim(), r.CompletionTokens, r.FinishReasonText);
                    responses.Add(response);
                    tokens += r.CompletionTokens;
                    answers.Add(new JsonObject { ["id"] = response.Id, ["text"] = response.Text, ["tokens"] = response.Tokens, ["finish"] = response.Finish });
                }
                file.Append(new JsonObject { ["prompt"] = prompt.Index, ["responses"] = answers });
            }
        }
        return (responses, new SamplingStats(todo.Count * k, tokens, clock.Elapsed.TotalSeconds));
    }

    /// <summary>
    /// Rewards of every answer, scoring only those without one in <paramref name="path"/>. Answers the scorer could not
    /// score (after its retries) are returned as failures and not written, so a resumed run scores them again.
    /// </summary>
    public static (Dictionary<string, double> Rewards, List<(SampledResponse Response, RewardFailure Failure)> Failures) Score(
        IRewardScorer scorer, IReadOnlyList<SampledResponse> responses, string path, CancellationToken stop)
    {
        using var file = new ResumableJsonl(path);
        var rewards = file.Existing.ToDictionary(r => (string)r["id"]!, r => (double)r["reward"]!);
        var failures = new List<(SampledResponse, RewardFailure)>();
        foreach (var batch in responses.Where(r => !rewards.ContainsKey(r.Id)).Chunk(64))
        {
            stop.ThrowIfCancellationRequested();
            var requests = batch.Select(r => new RewardRequest(r.Id, r.Prompt.Messages[^1].Content, r.Text, r.Prompt.Answer)).ToList();
            var scores = scorer.ScoreAsync(requests, stop).GetAwaiter().GetResult().ToDictionary(s => s.Id);
            foreach (var response in batch)
            {
                var score = scores.GetValueOrDefault(response.Id);
                if (score is { Value: { } value })
                {
                    rewards[response.Id] = value;
                    file.Append(new JsonObject { ["id"] = response.Id, ["reward"] = value });
                }
                else failures.Add((response, score?.Failure ?? new RewardFailure("missing", "the scorer returned no score for this answer")));
            }
        }
        return (rewards, failures);
    }
}
