using System.Text.Json;
using TorchSharp;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Bench;

/// <summary>
/// Logit parity with Hugging Face transformers, both directions (bench/interop/hf_parity.py runs the HF side where
/// transformers is installed): `export DIR` writes Tsumugi checkpoints plus our logits; `check DIR` loads
/// HF-written checkpoints and compares our logits with theirs.
/// </summary>
public static class HfParity
{
    static readonly long[] Ids = Enumerable.Range(0, 32).Select(i => (long)((i * 37 + 5) % 97)).ToArray();

    static LlamaConfig Base(string type = "llama") => new()
    {
        ModelType = type, Architectures = [type switch { "mistral" => "MistralForCausalLM", "mixtral" => "MixtralForCausalLM", _ => "LlamaForCausalLM" }],
        VocabSize = 97, HiddenSize = 64, IntermediateSize = 96, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, MaxPositionEmbeddings = 128, RmsNormEps = 1e-5, BosTokenId = 1, EosTokenIds = [2],
    };

    static IEnumerable<(string Name, LlamaConfig Config)> Cases()
    {
        yield return ("llama-gqa", Base());
        var tied = Base(); tied.TieWordEmbeddings = true; yield return ("llama-tied", tied);
        var bias = Base(); bias.AttentionBias = true; bias.MlpBias = true; yield return ("llama-bias", bias);
        var rope = Base(); rope.RopeScaling = new RopeScaling("llama3", 8, 1, 4, 16); rope.RopeTheta = 500000; yield return ("llama3-rope", rope);
        var mistral = Base("mistral"); mistral.SlidingWindow = 5; yield return ("mistral-window", mistral);
        var mixtral = Base("mixtral"); mixtral.NumLocalExperts = 4; mixtral.NumExpertsPerTok = 2; yield return ("mixtral", mixtral);
    }

    public static int Run(string[] args)
    {
        if (args.Length < 3) { Console.Error.WriteLine("usage: hf-parity export|check DIR"); return 2; }
        return args[1] == "export" ? Export(args[2]) : Check(args[2]);
    }

    static int Export(string root)
    {
        foreach (var (name, config) in Cases())
        {
            var dir = Path.Combine(root, name);
            torch.manual_seed(11);
            using var model = new LlamaForCausalLM(config);
            model.InitializeWeights(11);
            using (no_grad())
                foreach (var (pname, p) in model.named_parameters())
                    if (!pname.Contains("norm")) p.mul_(5.0); // make attention and routing matter
                    else p.add_(randn_like(p) * 0.1);
            HfModelDirectory.Save(model, dir);
            WriteLogits(model, Path.Combine(dir, "tsumugi_logits.safetensors"));
            Console.WriteLine($"exported {dir}");
        }
        File.WriteAllText(Path.Combine(root, "ids.json"), JsonSerializer.Serialize(Ids));
        return 0;
    }

    static void WriteLogits(LlamaForCausalLM model, string path)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var logits = model.Forward(tensor(Ids, [1, Ids.Length])).Logits;
        SafetensorsWriter.Write(path, [new("logits", logits)]);
    }

    static int Check(string root)
    {
        int failures = 0;
        foreach (var dir in Directory.GetDirectories(root).Order())
        {
            var hfLogits = Path.Combine(dir, "hf_logits.safetensors");
            if (!File.Exists(hfLogits)) continue;
            using var scope = NewDisposeScope();
            using var model = HfModelDirectory.Load(dir);
            using var noGrad = no_grad();
            var ours = model.Forward(tensor(Ids, [1, Ids.Length])).Logits;
            using var file = SafetensorsFile.Open(hfLogits);
            var theirs = file.Read("logits", ScalarType.Float32);
            double diff = (ours - theirs).abs().max().item<float>();
            double scale = theirs.abs().max().item<float>();
            bool ok = diff <= 1e-4 * Math.Max(1, scale);
            if (!ok) failures++;
            Console.WriteLine($"{Path.GetFileName(dir),-24} max |Δlogit| = {diff:E2} (max |logit| {scale:F2}) {(ok ? "OK" : "MISMATCH")}");
        }
        return failures == 0 ? 0 : 1;
    }
}
