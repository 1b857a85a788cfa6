using Tsumugi.Datasets.Sft;
using Tsumugi.Evaluation;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Training.Config;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// One held-out question with the base model's and the SFT model's greedy answers; *Ended: the answer ended with the
/// turn (EOS) rather than running into the token limit — what a model that learned the chat format does.
/// </summary>
public sealed record DemoSftAnswer(string Question, string Base, bool BaseEnded, string Sft, bool SftEnded, string Reference);

/// <summary>
/// The demo's before/after of SFT: held-out questions answered by the pretrained model and by its fine-tuned copy,
/// both prompted through the SAME chat template (the one the SFT run trained on and wrote beside its model) and the
/// same system prompt, so the difference in the answers is the fine-tuning, not the prompt. Also the mean loss on
/// the reference answers' tokens (the tokens SFT trains on), which moves even where a tiny model's text barely does.
/// </summary>
public static class DemoSftAnswers
{
    public sealed record Comparison(IReadOnlyList<DemoSftAnswer> Answers, double BaseAnswerLoss, double SftAnswerLoss, string TemplateOrigin);

    /// <param name="sftConfig">The SFT config the run used: its data section gives the format and the system prompt.</param>
    /// <param name="heldOutFile">Instruction records in the config's format, none of them trained on.</param>
    public static Comparison Run(string baseModel, string sftModel, string sftConfig, string heldOutFile, int questions, int maxNewTokens)
    {
        var examples = ReadHeldOut(sftConfig, baseModel, heldOutFile).Take(questions).ToList();
        var template = ModelChatTemplate.Load(sftModel)
            ?? throw new InvalidDataException($"{sftModel}: no chat_template.jinja or tokenizer_config.json chat_template; `tsumugi sft` writes one beside the model.");
        var (baseAnswers, baseLoss) = Answer(baseModel, template, examples, maxNewTokens);
        var (sftAnswers, sftLoss) = Answer(sftModel, template, examples, maxNewTokens);
        var rows = examples.Select((e, i) => new DemoSftAnswer(Question(e), baseAnswers[i].Text, baseAnswers[i].Ended,
            sftAnswers[i].Text, sftAnswers[i].Ended, e.Messages[^1].Content)).ToList();
        return new Comparison(rows, baseLoss, sftLoss, template.Origin);
    }

    /// <summary>The held-out file read exactly as the SFT run reads its data (same format, same system prompt added).</summary>
    static IReadOnlyList<SftExample> ReadHeldOut(string sftConfig, string baseModel, string heldOutFile)
    {
        var config = TrainConfig.Load(sftConfig, [$"model.from={baseModel}"], RunKind.Sft);
        var data = config.Data.Sft ?? throw new InvalidDataException($"{sftConfig}: not an SFT config (no instruction data section).");
        var read = SftReader.Read(data with { Paths = [Path.GetFullPath(heldOutFile)], ValidationFraction = 0 });
        if (read.Report.Rejected > 0) throw new InvalidDataException($"{heldOutFile}: {read.Report.Rejected} record(s) rejected\n{read.Report.Summary()}");
        return read.Train; // validation_fraction 0: every record
    }

    static string Question(SftExample example) => example.Messages.Last(m => m.Role == "user").Content;

    /// <summary>Greedy answers (stopping at EOS, which ends a Llama-2 turn) and the mean NLL of the reference answers' trained tokens.</summary>
    static (List<(string Text, bool Ended)> Answers, double Loss) Answer(string modelDir, ChatTemplate template, IReadOnlyList<SftExample> examples, int maxNewTokens)
    {
        using var model = PretrainedModel.Load(modelDir);
        var generator = model.CreateGenerator();
        var options = new SamplingOptions { MaxNewTokens = maxNewTokens, Temperature = 0 };
        var answers = new List<(string, bool)>();
        double nll = 0;
        int tokens = 0;
        foreach (var example in examples)
        {
            var messages = example.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList();
            var prompt = ChatPrompt.Render(template, messages[..^1]);
            var answer = generator.Generate(prompt, options);
            answers.Add((answer.Text.Trim(), answer.FinishReason == FinishReason.Stop));
            // The whole conversation tokenised and masked as SFT trains on it: the loss covers the assistant turn only.
            var masked = ChatTokenMask.Encode(model.Tokenizer, template.RenderWithSpans(messages, addGenerationPrompt: false));
            var score = SequenceScorer.Score(model.Model, masked.Ids.Select(i => (long)i).ToArray());
            foreach (var token in score.Tokens.Where(t => masked.Trained[t.Position]))
            {
                nll -= token.LogProb;
                tokens++;
            }
        }
        return (answers, nll / tokens);
    }
}
