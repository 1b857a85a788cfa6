using System.Text.Json.Nodes;
using Tsumugi.Training.Tests.Sft;

namespace Tsumugi.Training.Tests.Online;

/// <summary>
/// A verifiable toy task for the online loop: answer a kana prompt with kana first, not a stray byte. A random tiny model starts its
/// answers with a kana piece only some of the time, so the k answers to a prompt differ in reward and give pairs; the rule
/// needs no model to check.
/// </summary>
public static class OnlineKanaTask
{
    public const string Rule = "^[ぁ-ゖァ-ヶ]";

    public static string WritePrompts(string path, int count, int seed)
    {
        var words = KanaTask.Words3To4(train: count, heldOut: 0, seed: seed).Train;
        File.WriteAllLines(path, words.Select(w => new JsonObject { ["prompt"] = KanaTask.Instruction(w) }.ToJsonString()));
        return path;
    }

    /// <summary>Overrides that make configs/dpo-online-tiny.yaml small enough for a test.</summary>
    public static string[] Overrides(string model, string prompts, int iterations) =>
    [
        $"model.from={model}", $"online.prompts={prompts}", $"online.iterations={iterations}", "online.held_out=12",
        "online.prompts_per_iteration=24", "online.samples_per_prompt=4", "online.held_out_samples=4", "online.max_new_tokens=4",
        "online.decode_batch=16", "online.reward.type=regex", $"online.reward.pattern={Rule}",
        "dpo.chat_template=llama2", "dpo.epochs=4", "train.seq_length=32", "train.micro_batch_size=8", "train.global_batch_tokens=256",
        "optimizer.lr=0.01", "optimizer.min_lr=0.001", "schedule.warmup_steps=1", "log.peak_flops=1e11",
    ];
}
