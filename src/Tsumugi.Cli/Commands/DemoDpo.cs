using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sft;
using Tsumugi.Evaluation;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Training.Config;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// The demo's measure of DPO: on the preference run's own held-out pairs (the same split `tsumugi dpo` makes), the share
/// whose chosen answer a model finds likelier than the rejected one — its summed log-prob over the answer's tokens after
/// the prompt, both rendered with the chat template the run trained with. Asked of the SFT model and the DPO model.
/// </summary>
public static class DemoDpo
{
    public sealed record Accuracy(int Pairs, double Sft, double Dpo);

    public static Accuracy HeldOutPreferenceAccuracy(string dpoConfig, string sftModel, string dpoModel)
    {
        var config = TrainConfig.Load(dpoConfig, [$"model.from={sftModel}"], RunKind.Preference);
        var pairs = PreferenceReader.Read(config.Data.Preference!).Validation;
        if (pairs.Count == 0) throw new InvalidDataException($"{dpoConfig}: no held-out pairs (data.validation_fraction is 0)");
        var template = ModelChatTemplate.Load(dpoModel)
            ?? throw new InvalidDataException($"{dpoModel}: no chat_template.jinja; `tsumugi dpo` writes one beside the model.");
        return new Accuracy(pairs.Count, Share(sftModel, template, pairs), Share(dpoModel, template, pairs));
    }

    static double Share(string modelDir, ChatTemplate template, IReadOnlyList<PreferenceExample> pairs)
    {
        using var model = PretrainedModel.Load(modelDir);
        double LogProb(IReadOnlyList<SftMessage> prompt, IReadOnlyList<SftMessage> answer)
        {
            var promptIds = model.Encode(template.Render(Messages(prompt), addGenerationPrompt: true)).Length;
            var ids = model.Encode(template.Render([.. Messages(prompt), .. Messages(answer)], addGenerationPrompt: false));
            return SequenceScorer.Score(model.Model, ids).Tokens.Where(t => t.Position >= promptIds).Sum(t => t.LogProb);
        }
        return pairs.Count(p => LogProb(p.Prompt, p.Chosen) > LogProb(p.Prompt, p.Rejected)) / (double)pairs.Count;
    }

    static List<ChatMessage> Messages(IEnumerable<SftMessage> messages) => messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList();
}
