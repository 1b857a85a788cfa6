using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Sends judge prompts to any OpenAI-compatible endpoint through the official OpenAI .NET client and turns every
/// outcome into a <see cref="JudgeVerdict"/>: a score, or a counted failure with the raw output and error kept —
/// never an exception, so one bad answer from the judge cannot lose a whole evaluation.
/// Timeouts, connection failures, 408, 429 and 5xx are retried <see cref="JudgeSettings.Retries"/> times (answers
/// without a verdict too, when <see cref="JudgeSettings.RetryWithoutVerdict"/>); other 4xx (bad key, unknown model)
/// fail at once, since repeating them cannot help. Thread-safe (ChatClient is).
/// </summary>
public sealed class JudgeClient
{
    readonly JudgeSettings _settings;
    readonly ChatClient _chat;

    public JudgeClient(JudgeSettings settings)
    {
        settings.Validate();
        _settings = settings;
        _chat = new ChatClient(settings.Model, new ApiKeyCredential(settings.ApiKey), new OpenAIClientOptions
        {
            Endpoint = settings.Endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retried here, where timeouts and verdicts are classified
            NetworkTimeout = settings.Timeout + TimeSpan.FromSeconds(5), // our own cancellation fires first
        });
    }

    /// <summary>Asks for a 1–10 rating (<see cref="VerdictParser"/>).</summary>
    public async Task<JudgeVerdict> JudgeAsync(JudgePrompt prompt, CancellationToken cancellationToken = default)
    {
        var reply = await AskAsync(prompt, text => VerdictParser.Parse(text) is not null, "[[rating]]", cancellationToken).ConfigureAwait(false);
        return reply.Failure is null ? reply with { Score = VerdictParser.Parse(reply.Output) } : reply;
    }

    /// <summary>
    /// Asks the judge and accepts the first answer <paramref name="hasVerdict"/> approves (the caller parses it from
    /// <see cref="JudgeVerdict.Output"/>; <see cref="JudgeVerdict.Score"/> stays null). An answer without a verdict is a
    /// <see cref="JudgeFailure.NoVerdict"/>, retried when <see cref="JudgeSettings.RetryWithoutVerdict"/>; every such
    /// answer is counted in <see cref="JudgeVerdict.NoVerdictReplies"/>, also when a retry then succeeds.
    /// </summary>
    public async Task<JudgeVerdict> AskAsync(JudgePrompt prompt, Func<string, bool> hasVerdict, string verdictFormat, CancellationToken cancellationToken = default)
    {
        var options = new ChatCompletionOptions { Temperature = (float)_settings.Temperature, MaxOutputTokenCount = _settings.MaxTokens };
        List<ChatMessage> messages = [new SystemChatMessage(prompt.System), new UserChatMessage(prompt.User)];
        string failure = JudgeFailure.Error, error = "";
        string? output = null;
        long promptTokens = 0, completionTokens = 0;
        int attempt = 0, noVerdict = 0;
        while (attempt <= _settings.Retries)
        {
            if (attempt > 0) await Task.Delay(_settings.RetryDelay * attempt, cancellationToken).ConfigureAwait(false);
            attempt++;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.Timeout);
            bool transient;
            try
            {
                var completion = (await _chat.CompleteChatAsync(messages, options, timeout.Token).ConfigureAwait(false)).Value;
                promptTokens += completion.Usage?.InputTokenCount ?? 0;
                completionTokens += completion.Usage?.OutputTokenCount ?? 0;
                output = string.Concat(completion.Content.Select(part => part.Text));
                if (hasVerdict(output))
                    return new JudgeVerdict(null, output, null, null, attempt, promptTokens, completionTokens, noVerdict);
                noVerdict++;
                (failure, error, transient) = (JudgeFailure.NoVerdict, $"the judge's answer has no {verdictFormat}", _settings.RetryWithoutVerdict);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                (failure, error, transient) = (JudgeFailure.Timeout, $"no answer within {_settings.Timeout.TotalSeconds:0.###} s", true);
            }
            catch (ClientResultException e)
            {
                // Status 0: no HTTP response at all (refused connection, DNS, reset).
                transient = e.Status is 0 or 408 or 429 or >= 500;
                (failure, error) = (JudgeFailure.Error, Compact(e.Message) is var m && (e.Status == 0 || m.StartsWith("HTTP ", StringComparison.Ordinal)) ? m : $"HTTP {e.Status}: {m}");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                (failure, error, transient) = (JudgeFailure.Error, e.Message, true);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A response the client cannot read (bad JSON, unknown finish_reason): the endpoint is not OpenAI-compatible.
                (failure, error, transient) = (JudgeFailure.Error, $"unreadable response: {e.GetType().Name}: {e.Message}", false);
            }
            if (!transient) break;
        }
        // The output is the last answer the judge gave, kept for auditing only when the last attempt produced it.
        return new JudgeVerdict(null, failure == JudgeFailure.NoVerdict ? output : null, failure, error, attempt, promptTokens, completionTokens, noVerdict);
    }

    /// <summary>
    /// Judges every prompt, at most <see cref="JudgeSettings.Concurrency"/> requests at a time, and returns the verdicts
    /// in prompt order whatever order they finish in.
    /// </summary>
    public async Task<IReadOnlyList<JudgeVerdict>> JudgeAllAsync(IReadOnlyList<JudgePrompt> prompts, CancellationToken cancellationToken = default)
    {
        var verdicts = new JudgeVerdict[prompts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, prompts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _settings.Concurrency, CancellationToken = cancellationToken },
            async (i, ct) => verdicts[i] = await JudgeAsync(prompts[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return verdicts;
    }

    /// <summary>
    /// The client's message (status line plus the response body) on one line, capped: enough to see why. Shared with
    /// synth's endpoint client, which reports the same client's errors.
    /// </summary>
    public static string Compact(string message)
    {
        var line = string.Join(' ', message.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 500 ? line[..500] + "…" : line;
    }
}
