using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Answers MT-Bench questions with a Tsumugi model as FastChat's gen_model_answer.py does: each turn is rendered with
/// the model's chat template (<see cref="PretrainedModel.RenderChat"/>, as serve and chat render it) from the whole
/// conversation so far, the model's own earlier answers included, and sampled at
/// the category's temperature (<see cref="MtBenchCategories"/>; greedy below 1e-4). Seeds derive from
/// (<see cref="Seed"/>, question id, turn), so an answer does not change when the question file is reordered or cut.
/// Each answer stops where serve's would (<see cref="PretrainedModel.ChatStops"/>): EOS, the turn-end markers and the
/// opening of the next message, so a model that does not emit EOS does not write the user's next turn into its answer.
/// </summary>
/// <param name="render">The prompt for the assistant's next turn, given the conversation so far.</param>
/// <param name="stops">Stop strings for every answer.</param>
public sealed class MtBenchAnswerGenerator(
    TextGenerator generator, Func<IReadOnlyList<ChatMessage>, string> render, IReadOnlyList<string> stops, int contextLength)
{
    public const int DefaultMaxNewTokens = 512;

    /// <summary>Most new tokens per turn, further capped by the room left in the context window.</summary>
    public int MaxNewTokens { get; init; } = DefaultMaxNewTokens;

    public long Seed { get; init; }

    /// <summary>One temperature for every category instead of MT-Bench's per-category table (0 = greedy everywhere).</summary>
    public double? Temperature { get; init; }

    public MtBenchAnswerGenerator(PretrainedModel model) : this(model.CreateChatGenerator(), model.RenderChat, model.ChatStops, model.ContextLength) { }

    /// <summary>The prompt each turn is generated from: <paramref name="conversation"/> rendered for the assistant's next turn.</summary>
    public string Prompt(IReadOnlyList<ChatMessage> conversation) => render(conversation);

    public MtBenchAnswer Answer(MtBenchQuestion question)
    {
        var messages = new List<ChatMessage>();
        var turns = new List<TurnAnswer>();
        double temperature = MtBenchCategories.SamplingTemperature(Temperature ?? MtBenchCategories.TemperatureFor(question.Category));
        for (int t = 0; t < question.Turns.Count; t++)
        {
            messages.Add(new ChatMessage("user", question.Turns[t]));
            long seed = TurnSeed(Seed, question.QuestionId, t + 1);
            var promptIds = generator.EncodePrompt(Prompt(messages));
            int room = contextLength - promptIds.Count;
            TurnAnswer answer;
            if (room <= 0) answer = new TurnAnswer("", temperature, seed, promptIds.Count, 0, JudgeFailure.ContextOverflow);
            else
            {
                var result = generator.Generate(promptIds, new SamplingOptions
                {
                    MaxNewTokens = Math.Min(MaxNewTokens, room), Temperature = temperature, TopP = 1, Seed = seed, Stop = stops,
                });
                answer = new TurnAnswer(result.Text, temperature, seed, result.PromptTokens, result.CompletionTokens, result.FinishReasonText);
            }
            turns.Add(answer);
            messages.Add(new ChatMessage("assistant", answer.Text));
        }
        return new MtBenchAnswer(question, turns);
    }

    /// <summary>FNV-1a over the question id, mixed with the base seed and the turn: stable across runs and platforms.</summary>
    public static long TurnSeed(long seed, string questionId, int turn)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in questionId) hash = (hash ^ c) * 1099511628211UL;
        hash = (hash ^ (ulong)turn) * 1099511628211UL;
        hash ^= (ulong)seed * 0x9E3779B97F4A7C15UL;
        return (long)(hash & long.MaxValue);
    }
}
