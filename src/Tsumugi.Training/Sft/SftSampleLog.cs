using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Generation;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Sft;

/// <summary>
/// RUN_DIR/samples.jsonl: at every evaluation, greedy answers to the same held-out prompts, one line each
/// (<c>{step, prompt, answer, reference}</c>), so a run shows what the model says, not only its loss.
/// </summary>
internal sealed class SftSampleLog(string path, SftRunData data, int maxTokens, bool resumed) : IDisposable
{
    public const string FileName = "samples.jsonl";

    /// <summary>Turn-end markers of common chat templates: answers stop there as well as at EOS.</summary>
    static readonly string[] TurnEnds = ["<|im_end|>", "<|eot_id|>", "<end_of_turn>"];

    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly StreamWriter _writer = new(path, append: resumed);

    public void Write(long step, LlamaForCausalLM model)
    {
        var tokenizer = data.Tokenizer;
        var stops = TurnEnds.Select(t => tokenizer.PieceToId(t) is var id && id >= 0 && tokenizer.IdToPiece(id) == t ? id : -1).Where(id => id >= 0).Append(tokenizer.EosId).ToHashSet();
        var generator = new TextGenerator(model, tokenizer) { StopIds = stops };
        var options = new SamplingOptions { MaxNewTokens = maxTokens, Temperature = 0 };
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var sample in data.SamplePrompts)
            {
                var answer = generator.Generate(sample.Prompt, options).Text;
                _writer.WriteLine(new JsonObject { ["step"] = step, ["prompt"] = sample.Prompt, ["answer"] = answer, ["reference"] = sample.Reference }.ToJsonString(Json));
            }
            _writer.Flush();
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>A rollback or resume to <paramref name="step"/>: lines of later steps go (they are written again).</summary>
    public void TruncateAfter(long step)
    {
        _writer.Flush();
        var kept = File.ReadLines(path).Where(line => JsonNode.Parse(line)?["step"]?.GetValue<long>() <= step).ToList();
        _writer.BaseStream.SetLength(0);
        foreach (var line in kept) _writer.WriteLine(line);
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
