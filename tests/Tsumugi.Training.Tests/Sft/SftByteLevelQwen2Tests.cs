using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Training.Config;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Sft;

/// <summary>
/// SFT on a today's-base-model kind: a tiny Qwen2 (q/k/v biases, tied embeddings) with a byte-level BPE tokenizer and
/// Qwen's ChatML template learns the kana task through the same engine, and answers stop at &lt;|im_end|&gt;.
/// </summary>
public sealed class SftByteLevelQwen2Tests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    static readonly (List<string> Train, List<string> HeldOut) Words = KanaTask.Words3To4(train: 1200, heldOut: 40, seed: 7);

    [Fact]
    public void Sft_Qwen2WithAByteLevelTokenizerAndChatMl_LearnsTheHeldOutTask()
    {
        var data = _temp.File("kana.jsonl");
        KanaTask.WriteJsonl(data, Words.Train);
        var tokenizer = ByteLevelBpeTrainer.Train(File.ReadLines(data), new ByteLevelTrainerOptions
        {
            VocabSize = 700, Flavor = ByteLevelFlavor.Qwen2, SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            EosToken = "<|im_end|>", Threads = 2,
        });
        tokenizer.Save(_temp.File("tok"));
        var baseDir = _temp.File("base");
        var config = ModelPresets.Get("tiny-qwen2");
        TokenizerInfo.Apply(_temp.File("tok"), config);
        config.MaxPositionEmbeddings = 128;
        using (var model = new LlamaForCausalLM(config))
        {
            model.InitializeWeights(3);
            HfModelDirectory.Save(model, baseDir, _temp.File("tok"));
        }

        var c = TrainConfig.Load(Path.Combine(RepoPaths.Configs, "sft-tiny.yaml"), [
            $"model.from={baseDir}", $"data.paths=[{data}]", "data.system_prompt=", "data.validation_fraction=0.02", "sft.chat_template=chatml",
            "sft.epochs=16", "sft.samples=2", "train.seq_length=64", "train.micro_batch_size=16", "train.global_batch_tokens=1024",
            "schedule.warmup_steps=10", "eval.interval=0", "log.peak_flops=1e11", "optimizer.lr=0.005", "optimizer.min_lr=0.0005",
            // Learning this task climbs out of a plateau near 0.6 with bursts of large losses and gradients that the
            // spike guard, tuned for pretraining, reads as divergence on some summation orders; this test is about
            // learning through Qwen2 + byte-level BPE + ChatML, so it runs unguarded, as the LoRA test does.
            "guard.enabled=false"], RunKind.Sft);
        TrainingOutcome outcome;
        using (var trainer = Trainer.Open(c, _temp.File("run"), resume: false, TextWriter.Null)) outcome = trainer.Run();

        using var trained = PretrainedModel.Load(outcome.ModelDirectory!, new PretrainedModelOptions { ChatFormat = ChatPromptFormat.ChatMl });
        Assert.Equal("qwen2", trained.Model.Config.ModelType);
        Assert.Contains(trained.Tokenizer.PieceToId("<|im_end|>"), ChatPrompt.StopIds(ChatPromptFormat.ChatMl, trained.Tokenizer));
        var generator = trained.CreateChatGenerator();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 12 };
        using var noGrad = no_grad();
        var right = Words.HeldOut.Count(word =>
            generator.Generate(trained.RenderChat([new ChatMessage("user", KanaTask.Instruction(word))]), options).Text.Trim() == KanaTask.Answer(word));
        var score = (double)right / Words.HeldOut.Count;
        Assert.True(score >= 0.9, $"exact match after SFT {score:P0}");
    }
}
