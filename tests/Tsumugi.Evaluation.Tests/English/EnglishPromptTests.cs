using System.Text.Json;
using Tsumugi.Evaluation.English;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>
/// Prompts equal to lm-evaluation-harness v0.4's strings. Each expected string is written out from the task's YAML /
/// utils.py (cited per test) and the sampler's context layout: text + " " + target + "\n\n" per few-shot example.
/// </summary>
public sealed class EnglishPromptTests : IDisposable
{
    readonly RawSamples _raw = new();
    public void Dispose() => _raw.Dispose();

    [Theory]
    // hellaswag/utils.py preprocess: strip, " [title]" → ". ", re.sub("\\[.*?\\]", ""), one pass of "  " → " ".
    // Expected values are CPython's output for the same calls.
    [InlineData("  [header] Clean the   window [title] Wipe it.  ", " Clean the  window. Wipe it.")]
    [InlineData("A man [title] scrapes  ice. [step] He", "A man. scrapes ice. He")]
    [InlineData("no brackets here", "no brackets here")]
    public void HellaSwagPreprocessMatchesTheHarness(string raw, string expected) => Assert.Equal(expected, HellaSwagText.Preprocess(raw));

    [Fact]
    public void HellaSwagQueryCapitalisesCtxBAsPythonDoes()
    {
        // ctx_b.capitalize() lower-cases everything after the first character ("USES a Brush" → "uses a brush").
        Assert.Equal("Removing ice from car: A man. scrapes ice. He Then uses a brush.",
            HellaSwagText.Query("Removing ice from car", "A man [title] scrapes  ice. [step] He", "then USES a Brush."));
        Assert.Equal("", PythonCase.Capitalize(""));
    }

    [Fact]
    public void HellaSwagOneShotPromptDrawsTwoTrainDocumentsWithSeed1234()
    {
        var train = _raw.Jsonl("hs/train.jsonl",
            RawSamples.HellaSwag("Cooking", "A chef cuts onions.", "she", ["fries them.", "sings."], 0),
            RawSamples.HellaSwag("Running", "A man runs.", "he", ["stops [title] fast.", "flies."], "0"),
            RawSamples.HellaSwag("Fishing", "A boy fishes.", "he", ["sleeps.", "catches a fish."], 1));
        var val = _raw.Jsonl("hs/val.jsonl", RawSamples.HellaSwag("Swimming", "A girl swims.", "she", ["dives.", "reads."], 0));
        var prompts = EnglishPrompts.Build(EnglishTasks.HellaSwag, val, train, new EnglishRunOptions(Shots: 1));
        // HellaSwag has neither fewshot_split nor test_split, so the sampler draws num_fewshot + 1 = 2 documents:
        // random.Random(1234).sample(range(3), 2) == [1, 0] in CPython; the first (train line 2) is kept.
        Assert.Equal("Running: A man runs. He stops. fast.\n\nSwimming: A girl swims. She", Assert.Single(prompts).Context);
        Assert.Equal(["dives.", "reads."], prompts[0].Doc.Choices);
    }

    [Fact]
    public void ArcPromptIsTheSameFromBothLayouts()
    {
        var v1 = _raw.Jsonl("arc/v1.jsonl", RawSamples.ArcV1("Which is a gas?", ["ice", "steam", "rock"], "B"));
        var hf = _raw.Jsonl("arc/hf.jsonl", RawSamples.ArcHf("Which is a gas?", ["ice", "steam", "rock"], ["1", "2", "3"], "2"));
        var train = _raw.Jsonl("arc/train.jsonl",
            RawSamples.ArcV1("What melts?", ["ice", "iron"], "A"), RawSamples.ArcV1("What glows?", ["sun", "mud"], "A"));
        foreach (var file in new[] { v1, hf })
        {
            var prompt = Assert.Single(EnglishPrompts.Build(EnglishTasks.ArcEasy, file, train, new EnglishRunOptions(Shots: 1)));
            // arc_easy.yaml: doc_to_text "Question: {{question}}\nAnswer:", doc_to_choice the texts, target the gold text.
            // test_split is set, so one draw: random.Random(1234).sample(range(2), 1) == [1] in CPython.
            Assert.Equal("Question: What glows?\nAnswer: sun\n\nQuestion: Which is a gas?\nAnswer:", prompt.Context);
            Assert.Equal(["ice", "steam", "rock"], prompt.Doc.Choices);
            Assert.Equal(1, prompt.Doc.Gold);
        }
    }

    [Fact]
    public void MmluPromptHasTheSubjectDescriptionAndTheFirstDevExamples()
    {
        // MMLU's raw CSVs: no header; a quoted question may hold commas, quotes and newlines.
        _raw.Text("mmlu/dev/high_school_physics_dev.csv", "\"What is 1, plus 1?\",1,2,3,4,B\nSecond dev question?,a,b,c,d,D\n");
        _raw.Text("mmlu/test/high_school_physics_test.csv", "\"  Speed of \"\"light\"\"?\nPick one. \",slow,fast,none,all,B\n");
        var prompt = Assert.Single(EnglishPrompts.Build(EnglishTasks.Mmlu, _raw.Path("mmlu"), null, new EnglishRunOptions(Shots: 1)));
        // mmlu/default/_default_template_yaml (first_n from dev) and mmlu_high_school_physics.yaml's description.
        Assert.Equal("The following are multiple choice questions (with answers) about high school physics.\n\n"
            + "What is 1, plus 1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
            + "Speed of \"light\"?\nPick one.\nA. slow\nB. fast\nC. none\nD. all\nAnswer:", prompt.Context);
        Assert.Equal(["A", "B", "C", "D"], prompt.Doc.Choices);
        Assert.Equal((1, "high_school_physics"), (prompt.Doc.Gold, prompt.Doc.Subject));
    }

    [Fact]
    public void Gsm8kPromptUsesTheFullWorkedAnswerAsTheFewShotTarget()
    {
        var train = _raw.Jsonl("gsm/train.jsonl",
            RawSamples.Gsm8k("Tom has 2 apples and buys 3. How many?", "2 + 3 = <<2+3=5>>5\n#### 5"),
            RawSamples.Gsm8k("Ann has 4 pens and loses 1. How many?", "4 - 1 = <<4-1=3>>3\n#### 3"));
        var test = _raw.Jsonl("gsm/test.jsonl", RawSamples.Gsm8k("What is 6 times 7?", "6 * 7 = 42\n#### 42"));
        var prompt = Assert.Single(EnglishPrompts.Build(EnglishTasks.Gsm8k, test, train, new EnglishRunOptions(Shots: 1)));
        // gsm8k.yaml: "Question: {{question}}\nAnswer:", doc_to_target "{{answer}}"; fewshot_split train ≠ test_split,
        // so one draw: random.Random(1234).sample(range(2), 1) == [1].
        Assert.Equal("Question: Ann has 4 pens and loses 1. How many?\nAnswer: 4 - 1 = <<4-1=3>>3\n#### 3\n\nQuestion: What is 6 times 7?\nAnswer:", prompt.Context);
        Assert.Equal(5, EnglishTasks.Gsm8k.DefaultShots);
    }

    [Fact]
    public void TriviaQaPromptFromTheOfficialJsonAndTheHfJsonl()
    {
        var train = _raw.Jsonl("tqa/train.jsonl",
            RawSamples.TriviaQa("Who wrote Hamlet", "William Shakespeare", "Shakespeare"),
            RawSamples.TriviaQa("Capital of France", "Paris"),
            RawSamples.TriviaQa("Largest planet", "Jupiter"));
        var official = _raw.Text("tqa/verified-web-dev.json", JsonSerializer.Serialize(new
        {
            Data = new[] { new { Question = "Which band sang Help!", Answer = new { Aliases = new[] { "The Beatles", "Beatles" }, Value = "The Beatles" } } },
            Version = 1.0,
        }));
        var prompt = Assert.Single(EnglishPrompts.Build(EnglishTasks.TriviaQa, official, train, new EnglishRunOptions(Shots: 1)));
        // triviaqa/default.yaml: "Question: {{question}}?\nAnswer:", target answer.aliases (few-shot: the first alias);
        // no fewshot_split/test_split, so 2 draws: random.Random(1234).sample(range(3), 2) == [1, 0].
        Assert.Equal("Question: Capital of France?\nAnswer: Paris\n\nQuestion: Which band sang Help!?\nAnswer:", prompt.Context);
        Assert.Equal(["The Beatles", "Beatles"], prompt.Doc.Answers);
    }

    [Fact]
    public void LimitTakesTheFirstDocumentsAndZeroShotNeedsNoFewShotFile()
    {
        var test = _raw.Jsonl("gsm/test.jsonl", RawSamples.Gsm8k("Q1?", "#### 1"), "", RawSamples.Gsm8k("Q2?", "#### 2"), RawSamples.Gsm8k("Q3?", "#### 3"));
        var prompts = EnglishPrompts.Build(EnglishTasks.Gsm8k, test, null, new EnglishRunOptions(Shots: 0, Limit: 2));
        Assert.Equal(["Question: Q1?\nAnswer:", "Question: Q2?\nAnswer:"], prompts.Select(p => p.Context));
        Assert.EndsWith("line 3", prompts[1].Doc.Where); // the blank line 2 is skipped, but counted
        var e = Assert.Throws<ArgumentException>(() => EnglishPrompts.Build(EnglishTasks.Gsm8k, test, null, new EnglishRunOptions()));
        Assert.Contains("--fewshot gsm8k=", e.Message);
    }

    [Fact]
    public void AnEmptyTextTargetDropsItsDelimitersButAnEmptyChoiceDoesNot()
    {
        // samplers.py: `if doc_target != ""` — for multiple choice doc_target is the gold index, never "".
        var emptyAnswer = new EnglishDoc("Question: Q\nAnswer:", [], -1, [""], "", "f: line 1") { TextTarget = true };
        var emptyChoice = new EnglishDoc("Ctx", ["", "x"], 0, [], "", "f: line 2");
        Assert.Equal("Question: Q\nAnswer:Next", HarnessPrompt.Build("", [emptyAnswer], "Next"));
        Assert.Equal("Ctx \n\nNext", HarnessPrompt.Build("", [emptyChoice], "Next"));
    }
}
