namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi pipeline plan | status | run` on small files: errors of every stage at once, the command kind, the state it reports.</summary>
[Collection("cli")]
public sealed class PipelineCommandTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-pipeline-cli");
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void PlanNamesTheConfigErrorsOfEveryStageAtOnce_AndRunsNothing()
    {
        var file = _dir.File("broken.yaml");
        File.WriteAllText(file, $"""
            stages:
              tok: {"{"}kind: tokenizer-train, input: missing.txt{"}"}
              pretrain: {"{"}kind: train, config: nosuch.yaml, data: tok{"}"}
              gguf: {"{"}kind: export, model: pretrain, quant: q4_k_m, colour: blue{"}"}
            """);
        var (code, _, err) = SpectreOutput.Run("pipeline", "plan", file, "--output", _dir.File("out"));
        Assert.Equal(1, code);
        Assert.Contains("3 problems", err);
        Assert.Contains("broken.yaml:2: stages.tok.input: 'missing.txt' is neither an earlier stage () nor an existing path", err);
        Assert.Contains("broken.yaml:3: stages.pretrain.config:", err);
        Assert.Contains("unknown key 'stages.gguf.colour'", err);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public void ACommandStageRunsAnyTsumugiCommand_StatusShowsItDone_AndPlanSkipsIt()
    {
        Directory.CreateDirectory(_dir.File("held/ja"));
        var text = CorpusSample.Write("ja", 40_000, _dir.File("held/ja/ja.txt"));
        var file = _dir.File("p.yaml");
        File.WriteAllText(file, $"""
            stages:
              tok:
                kind: command
                run: [tokenizer, train, --input, {text}, --vocab-size, "1200", --output, "${"{"}output{"}"}/spm"]
              count:
                kind: command
                run: [tokenizer, eval, --tokenizer, "${"{"}tok/spm{"}"}", --input, {_dir.File("held")}]
            """);
        var output = _dir.File("out");
        var (code, stdout, err) = SpectreOutput.Run("pipeline", "run", file, "--output", output);
        Assert.True(code == 0, err + stdout);
        Assert.True(File.Exists(Path.Combine(output, "tok", "spm", "tokenizer.model")));
        (code, stdout, err) = SpectreOutput.Run("pipeline", "status", file, "--output", output);
        Assert.True(code == 0, err);
        Assert.Matches(@"tok\s+│ done\s+│ skip", stdout);
        Assert.Matches(@"count\s+│ done\s+│ skip", stdout);
        (code, stdout, err) = SpectreOutput.Run("pipeline", "plan", file, "--output", output, "--set", "tok.run=[tokenizer, train, --input, " + text + ", --vocab-size, '1300', --output, '${output}/spm']");
        Assert.True(code == 0, err);
        Assert.Matches(@"tok\s+│ command\s+│ rerun", stdout);
        Assert.Matches(@"count\s+│ command\s+│ rerun", stdout); // reads tok
    }
}
