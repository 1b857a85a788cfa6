using Tsumugi.Common.Config;
using Tsumugi.Evaluation.Rewards;
using Tsumugi.Training.Online;

namespace Tsumugi.Training.Config;

/// <summary>The <c>online:</c> section of a <c>tsumugi dpo online</c> config (<see cref="OnlineSettings"/>).</summary>
internal static class OnlineYaml
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "prompts", "prompt_column", "answer_column", "held_out", "iterations", "prompts_per_iteration", "samples_per_prompt",
        "held_out_samples", "max_new_tokens", "temperature", "top_p", "decode_batch", "engine", "pairing", "move_reference", "reward",
    ];

    public static OnlineSettings Read(YamlSection s, string source, string baseDirectory)
    {
        var d = new OnlineSettings { Prompts = "", Reward = null! };
        var prompts = s.PathValue("prompts", baseDirectory) ?? throw s.Error("prompts", "missing: the JSONL file of prompts to sample answers for");
        if (!s.Has("reward")) throw s.Error("reward", "missing: how answers are scored (type: regex, exact_answer, script or judge; docs/dpo.md)");
        RewardScorerConfig reward;
        try
        {
            reward = RewardScorerConfig.Read(s.Node("reward")!, source, "online.reward", baseDirectory);
        }
        catch (ConfigException e) when (e is not TrainConfigException)
        {
            throw new TrainConfigException(e.Message);
        }
        return new OnlineSettings
        {
            Prompts = prompts,
            PromptColumn = s.String("prompt_column") ?? d.PromptColumn,
            AnswerColumn = s.String("answer_column") ?? d.AnswerColumn,
            HeldOut = s.Int("held_out", d.HeldOut, 1),
            Iterations = s.Int("iterations", d.Iterations, 1, 1000),
            PromptsPerIteration = s.Int("prompts_per_iteration", d.PromptsPerIteration, 0),
            SamplesPerPrompt = s.Int("samples_per_prompt", d.SamplesPerPrompt, 2, 256),
            HeldOutSamples = s.Int("held_out_samples", d.HeldOutSamples, 1, 256),
            MaxNewTokens = s.Int("max_new_tokens", d.MaxNewTokens, 1),
            Temperature = s.Double("temperature", d.Temperature, 1e-6),
            TopP = s.Double("top_p", d.TopP, 1e-6, 1),
            DecodeBatch = s.Int("decode_batch", d.DecodeBatch, 1, 1024),
            Engine = s.Enum("engine", d.Engine),
            Pairing = s.Enum("pairing", d.Pairing),
            MoveReference = s.Bool("move_reference", d.MoveReference),
            Reward = reward,
        };
    }
}
