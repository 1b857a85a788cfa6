using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Evaluation.English;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>Answer extraction, exact match and the multiple-choice metrics as lm-evaluation-harness computes them.</summary>
public sealed class EnglishMetricTests
{
    [Theory]
    // gsm8k.yaml strict-match: first "#### (\-?[0-9\.\,]+)"; flexible-extract: last "(-?[$0-9.,]{2,})|(-?[0-9]+)".
    [InlineData("She pays 3 * 4 = 12 dollars.\n#### 12", "12", "12")]
    [InlineData("Total $1,234.50 then 7", "[invalid]", "7")]
    [InlineData("It costs $18.", "[invalid]", "$18.")]
    [InlineData("#### -5 and later #### 6", "-5", "6")]
    [InlineData("no digits at all", "[invalid]", "[invalid]")]
    public void Gsm8kFiltersExtractAsTheHarness(string generated, string strict, string flexible)
    {
        Assert.Equal(strict, Gsm8kAnswer.Strict(generated));
        Assert.Equal(flexible, Gsm8kAnswer.Flexible(generated));
    }

    [Theory]
    // regexes_to_ignore [",", "\$", "(?s).*#### ", "\.$"] on both sides, then lower case: the reference's worked
    // solution is cut to its number.
    [InlineData("1,234", 1.0)]
    [InlineData("$1234.", 1.0)]
    [InlineData("1234.0", 0.0)]
    [InlineData("[invalid]", 0.0)]
    public void Gsm8kExactMatchIgnoresCommasDollarsTheWorkingAndAFinalPoint(string prediction, double expected)
    {
        const string reference = "He has 1000 + 234 = <<1000+234=1234>>1,234 coins.\n#### 1,234";
        Assert.Equal(expected, HarnessExactMatch.Gsm8k.Score(prediction, [reference]));
    }

    [Theory]
    // triviaqa/default.yaml: ignore_case and ignore_punctuation (string.punctuation); articles are NOT removed.
    [InlineData("The Beatles!", 1.0)]
    [InlineData("the beatles", 1.0)]
    [InlineData("BEATLES", 1.0)]
    [InlineData("Beatles band", 0.0)]
    [InlineData("The  Beatles", 0.0)]
    public void TriviaQaExactMatchAgainstAnyAlias(string prediction, double expected) =>
        Assert.Equal(expected, HarnessExactMatch.TriviaQa.Score(prediction, ["The Beatles", "Beatles"]));

    [Fact]
    public void GenerationIsCutAtTheEarliestStopAndTriviaQaDropsLeadingSpace()
    {
        // gsm8k.yaml v3.0 stops at "Question:", "</s>", "<|im_end|>" — no longer at "\n\n" (v1.0 did).
        Assert.Equal(" 42 apples\n\n", EnglishTaskRunner.CutAtStops(" 42 apples\n\nQuestion: next</s>", EnglishTasks.Gsm8k.Until));
        Assert.Equal(" 7", EnglishTaskRunner.CutAtStops(" 7<|im_end|>Question:", EnglishTasks.Gsm8k.Until));
        Assert.Equal(" Paris", EnglishTaskRunner.CutAtStops(" Paris, France.\nQ", EnglishTasks.TriviaQa.Until));
        Assert.Equal("Paris", EnglishTaskRunner.Predictions(EnglishTasks.TriviaQa, " Paris")["exact_match"]);
    }

    [Fact]
    public void AccAccNormAndAccBytesCanEachPickADifferentChoice()
    {
        var doc = new EnglishDoc("Q", ["éé", "abc"], Gold: 1, [], "abc", "here");
        // acc: −3 > −4 → 0. acc_norm (characters): −3/2 = −1.5 < −4/3 → 1. acc_bytes: −3/4 = −0.75 > −4/3 → 0.
        var sample = EnglishTaskRunner.Score(0, doc, [new("éé", -3, [1], 2, 4), new("abc", -4, [2], 3, 3)]);
        Assert.Equal((0, 1, 0), (sample.Chosen, sample.ChosenNorm, sample.ChosenBytes));
        Assert.Equal(0.0, sample.Scores["acc"]);
        Assert.Equal(1.0, sample.Scores["acc_norm"]);
        Assert.Equal(0.0, sample.Scores["acc_bytes"]);
        // numpy argmax: a tie goes to the earlier choice.
        var tie = EnglishTaskRunner.Score(0, doc, [new("éé", -2, [1], 2, 4), new("abc", -2, [2], 2, 4)]);
        Assert.Equal((0, 0, 0), (tie.Chosen, tie.ChosenNorm, tie.ChosenBytes));
    }

    [Fact]
    public void PythonRandomSampleEqualsCPython()
    {
        // Small populations take CPython's pool branch, large ones its set branch; k > 5 changes the threshold.
        (int N, int K)[] cases = [(2, 1), (3, 2), (10, 3), (21, 5), (22, 5), (40, 10), (85, 25), (86, 25), (39905, 11), (1119, 26), (7473, 5)];
        const string script = """
            import json, random, sys
            cases = json.load(sys.stdin)
            rnd = random.Random(1234)
            out = [rnd.sample(range(n), k) for n, k in cases for _ in range(3)]
            json.dump(out + [[rnd.getrandbits(32) for _ in range(5)]], sys.stdout)
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(JsonSerializer.Serialize(cases.Select(c => new[] { c.N, c.K })));
        p.StandardInput.Close();
        var expected = JsonSerializer.Deserialize<long[][]>(p.StandardOutput.ReadToEnd())!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);

        var rnd = new PythonRandom(1234);
        var actual = cases.SelectMany(c => Enumerable.Range(0, 3).Select(_ => rnd.Sample(c.N, c.K).Select(i => (long)i).ToArray())).ToList();
        actual.Add(Enumerable.Range(0, 5).Select(_ => (long)rnd.GetRandBits(32)).ToArray());
        Assert.Equal(expected, actual);
    }
}
