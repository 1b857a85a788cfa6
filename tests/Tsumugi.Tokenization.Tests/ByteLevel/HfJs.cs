using System.Text.Json;

namespace Tsumugi.Tokenization.Tests.ByteLevel;

/// <summary>Encodes and decodes with npm @huggingface/tokenizers through node (installed by scripts/install-test-deps.sh).</summary>
public static class HfJs
{
    static string NpmModule
    {
        get
        {
            var m = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules", "@huggingface", "tokenizers", "dist", "tokenizers.mjs");
            if (!File.Exists(m)) throw new InvalidOperationException($"{m} is missing; run scripts/install-test-deps.sh");
            return m;
        }
    }

    sealed record Request(IReadOnlyList<string> Encode, IReadOnlyList<int[]> Decode);

    sealed record Response(List<int[]> Encode, List<string> Decode);

    /// <summary>The JS library's ids for each text (no BOS/EOS) and its text for each id list (special tokens skipped).</summary>
    public static (List<int[]> Ids, List<string> Texts) Run(string dir, IReadOnlyList<string> encode, IReadOnlyList<int[]> decode)
    {
        var work = Path.Combine(dir, "js");
        Directory.CreateDirectory(work);
        var script = Path.Combine(work, "hf.mjs");
        File.WriteAllText(script, $$"""
            import { Tokenizer } from {{JsonSerializer.Serialize(new Uri(NpmModule).AbsoluteUri)}};
            import fs from "fs";
            const [dir, input, output] = process.argv.slice(2);
            const tok = new Tokenizer(JSON.parse(fs.readFileSync(dir + "/tokenizer.json", "utf8")), JSON.parse(fs.readFileSync(dir + "/tokenizer_config.json", "utf8")));
            const req = JSON.parse(fs.readFileSync(input, "utf8"));
            fs.writeFileSync(output, JSON.stringify({
              Encode: req.Encode.map(t => tok.encode(t, { add_special_tokens: false }).ids),
              Decode: req.Decode.map(ids => tok.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false })),
            }));
            """);
        var input = Path.Combine(work, "in.json");
        var output = Path.Combine(work, "out.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new Request(encode, decode)));
        SpmTools.Run("node", $"{script} {dir} {input} {output}");
        var r = JsonSerializer.Deserialize<Response>(File.ReadAllText(output))!;
        return (r.Encode, r.Decode);
    }
}
