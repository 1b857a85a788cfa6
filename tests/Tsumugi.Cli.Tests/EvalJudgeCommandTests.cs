using System.Text.Json.Nodes;
using Tsumugi.Generation;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class EvalJudgeCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-eval-judge-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    static string SampleQuestions() => Path.Combine(RepoPaths.Configs, "eval", "mt-bench-sample.jsonl");

    /// <summary>A tiny random model directory whose byte-fallback tokenizer knows a few Japanese pieces.</summary>
    static string TinyModel(string directory) => TinyModelDirectory.Write(directory, ["▁", "の", "は", "。", "、", "\n"], seed: 2);

    [Fact]
    public async Task JudgesTheShippedSampleQuestionsAndWritesAnAuditableResult()
    {
        var model = TinyModel(Sub("model"));
        // Every answer gets 6 except the stem question's second turn (it mentions 圧力鍋), which gets no verdict.
        await using var judge = await JudgingStubServer.StartAsync(user => (200, user.Contains("圧力鍋", StringComparison.Ordinal) ? "判断できません。" : "評価：[[6]]"));
        var oldKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "env-key");
        (int ExitCode, string Out, string Err) run;
        try
        {
            run = CliRunner.Run("eval", "judge", "--model", model, "--questions", SampleQuestions(), "--judge-url", judge.BaseUrl,
                "--judge-model", "stub-judge", "--max-new-tokens", "3", "--model-name", "cand", "--output", Sub("out/judge.json"));
        }
        finally { Environment.SetEnvironmentVariable("OPENAI_API_KEY", oldKey); }
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Matches(@"mt_bench/overall\s+6\n", run.Out);
        Assert.Matches(@"mt_bench/failures/no_verdict\s+1\n", run.Out);
        Assert.Contains("warning: 1 of 16 answers have no score", run.Err);
        Assert.All(judge.Requests.Select(r => r.Authorization), a => Assert.Equal("Bearer env-key", a));
        Assert.Equal(16, judge.Requests.Count);

        var result = JsonNode.Parse(File.ReadAllText(Sub("out/judge.json")))!;
        Assert.Equal(("judge", "cand"), (result["kind"]!.GetValue<string>(), result["model"]!.GetValue<string>()));
        Assert.Equal(15, result["metrics"]!["mt_bench/judged"]!.GetValue<double>());
        Assert.Equal(6, result["metrics"]!["mt_bench/stem"]!.GetValue<double>());
        var samples = result["details"]!["samples"]!.AsArray();
        Assert.Equal(16, samples.Count);
        var failed = Assert.Single(samples, s => s!["failure"] is not null)!;
        Assert.Equal(("7", 2, "判断できません。"), (failed["question_id"]!.GetValue<string>(), failed["turn"]!.GetValue<int>(), failed["judge_output"]!.GetValue<string>()));
        Assert.Equal(0.5, samples[0]!["temperature"]!.GetValue<double>()); // writing
        Assert.Equal(0.1, samples[6]!["temperature"]!.GetValue<double>()); // math
        Assert.Contains("(x + 3) × 2 = 20", samples[6]!["judge_prompt"]!.GetValue<string>()); // reference in the math prompt
    }

    [Fact]
    public async Task AJudgeThatOnlyFailsCountsEveryAnswerAndExitsOneAfterWritingTheFile()
    {
        var model = TinyModel(Sub("model"));
        File.WriteAllText(Sub("q.jsonl"), """{"question_id": 1, "category": "stem", "turns": ["水とは？", "氷とは？"]}""");
        await using var judge = await JudgingStubServer.StartAsync(_ => (500, ""));
        var run = CliRunner.Run("eval", "judge", "--model", model, "--questions", Sub("q.jsonl"), "--judge-url", judge.BaseUrl, "--judge-model", "j",
            "--judge-retries", "0", "--judge-api-key", "flag-key", "--max-new-tokens", "2", "--output", Sub("r.json"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"error: none of the 2 answers could be judged (judge_error 2); check --judge-url / --judge-model and the judge's output in {Sub("r.json")}", run.Err);
        Assert.Equal(2, judge.Requests.Count); // retries 0: one request per answer
        Assert.All(judge.Requests.Select(r => r.Authorization), a => Assert.Equal("Bearer flag-key", a));
        var metrics = JsonNode.Parse(File.ReadAllText(Sub("r.json")))!["metrics"]!;
        Assert.Equal(2, metrics["mt_bench/failures/judge_error"]!.GetValue<double>());
        Assert.Null(metrics["mt_bench/overall"]);
    }

    [Fact]
    public async Task Judge_ModelWithOwnChatTemplate_AnswersInItUnlessChatFormatForcesABuiltIn()
    {
        var model = TinyModel(Sub("model"));
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), new JsonObject
        {
            ["chat_template"] = "{% for m in messages %}<<{{ m.role }}>>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<<assistant>>{% endif %}",
        }.ToJsonString());
        File.WriteAllText(Sub("q.jsonl"), """{"question_id": 1, "category": "stem", "turns": ["水とは？"]}""");
        await using var judge = await JudgingStubServer.StartAsync(_ => (200, "評価：[[5]]"));
        string[] args = ["eval", "judge", "--model", model, "--questions", Sub("q.jsonl"), "--judge-url", judge.BaseUrl, "--judge-model", "j", "--max-new-tokens", "2"];

        var own = CliRunner.Run([.. args, "--output", Sub("own.json")]);
        Assert.True(own.ExitCode == 0, own.Err);
        var template = $"{Path.Combine(model, "tokenizer_config.json")} chat_template";
        Assert.Contains($"(chat template: {template}; turn-end stops of the instruction format", own.Err);
        Assert.Equal(template, JsonNode.Parse(File.ReadAllText(Sub("own.json")))!["details"]!["chat_template"]!.GetValue<string>());

        var forced = CliRunner.Run([.. args, "--chat-format", "chatml", "--output", Sub("forced.json")]);
        Assert.True(forced.ExitCode == 0, forced.Err);
        var details = JsonNode.Parse(File.ReadAllText(Sub("forced.json")))!["details"]!;
        Assert.Equal(("built-in chatml template", "ChatMl"), (details["chat_template"]!.GetValue<string>(), details["chat_format"]!.GetValue<string>()));
        // Each answer was generated from its template's rendering: the recorded prompt lengths are those prompts'.
        var tokenizer = SpmTokenizer.Load(Path.Combine(model, "tokenizer.model"));
        int PromptTokens(string file) => JsonNode.Parse(File.ReadAllText(Sub(file)))!["details"]!["samples"]![0]!["prompt_tokens"]!.GetValue<int>();
        Assert.Equal(PromptEncoding.Encode(tokenizer, "<<user>>水とは？\n<<assistant>>", addBos: true).Count, PromptTokens("own.json"));
        Assert.Equal(PromptEncoding.Encode(tokenizer, "<|im_start|>user\n水とは？<|im_end|>\n<|im_start|>assistant\n", addBos: true).Count, PromptTokens("forced.json"));
    }

    [Fact]
    public async Task Judge_PromptFileReferenceAnswersRetriesAndAnswerFileInFastChatFormats()
    {
        var model = TinyModel(Sub("model"));
        File.WriteAllText(Sub("q.jsonl"), """
            {"question_id": 1, "category": "math", "turns": ["1+1は？", "その2倍は？"]}
            {"question_id": 2, "category": "writing", "turns": ["詩を書いて"]}
            """);
        File.WriteAllText(Sub("gpt-4.jsonl"), """{"question_id": 1, "model_id": "gpt-4", "choices": [{"index": 0, "turns": ["REF-ONE 2", "REF-TWO 4"]}]}""");
        File.WriteAllText(Sub("judge_ja_prompts.jsonl"), """
            {"name": "single-math-v1", "type": "single", "system_prompt": "FILE-SYS", "prompt_template": "FILE-MATH q={question} ref={ref_answer_1} a={answer}", "output_format": "[[rating]]"}
            """);
        // Each distinct prompt is answered without a verdict the first time, with 4 the second.
        var asked = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using var judge = await JudgingStubServer.StartAsync(user => (200, asked.AddOrUpdate(user, 1, (_, n) => n + 1) == 1 ? "うーん" : "評価：[[4]]"));
        var run = CliRunner.Run("eval", "judge", "--model", model, "--questions", Sub("q.jsonl"), "--reference-answers", Sub("gpt-4.jsonl"),
            "--judge-prompts", Sub("judge_ja_prompts.jsonl"), "--judge-url", judge.BaseUrl, "--judge-model", "j", "--judge-retry-no-verdict",
            "--concurrency", "2", "--max-new-tokens", "2", "--model-name", "tiny", "--answers-output", Sub("answers/tiny.jsonl"), "--output", Sub("r.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Matches(@"mt_bench/overall\s+4\n", run.Out);
        Assert.Matches(@"mt_bench/math/turn2\s+4\n", run.Out);
        Assert.Matches(@"mt_bench/no_verdict_replies\s+3\n", run.Out);
        Assert.Contains("note: 3 judge answers had no [[rating]] and were asked again.", run.Err);
        Assert.Equal(6, judge.Requests.Count);

        var fromFile = Assert.Single(judge.RequestsContaining("FILE-MATH").Select(r => r.User).Distinct());
        Assert.StartsWith("FILE-MATH q=1+1は？ ref=REF-ONE 2 a=", fromFile); // turn 1 from the file, with the reference file's answer
        Assert.Contains("REF-TWO 4", Assert.Single(judge.RequestsContaining("その2倍は？").Select(r => r.User).Distinct())); // turn 2 built in
        var samples = JsonNode.Parse(File.ReadAllText(Sub("r.json")))!["details"]!["samples"]!.AsArray();
        Assert.All(samples, s => Assert.Equal((2, 1), (s!["judge_attempts"]!.GetValue<int>(), s["no_verdict_replies"]!.GetValue<int>())));

        // The answers file is FastChat's model_answer format: `eval arena` and FastChat read it.
        var answers = File.ReadAllLines(Sub("answers/tiny.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([1, 2], answers.Select(a => a["question_id"]!.GetValue<int>()));
        Assert.Equal(samples[1]!["answer"]!.GetValue<string>(), answers[0]["choices"]![0]!["turns"]![1]!.GetValue<string>());
        Assert.Equal("tiny", answers[0]["model_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GradesAnswersFromAFastChatFileWithoutLoadingAModel()
    {
        // Another tool's answers (FastChat model_answer JSONL): one line per question, both turns, distinct texts.
        var questions = Tsumugi.Evaluation.Judging.MtBenchQuestionReader.Read(SampleQuestions());
        var answers = Sub("answers/other-tool.jsonl");
        Directory.CreateDirectory(Sub("answers"));
        File.WriteAllLines(answers, questions.Select(q => new JsonObject
        {
            ["question_id"] = q.QuestionId, ["model_id"] = "other-tool",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["turns"] = new JsonArray($"答え{q.QuestionId}-1", $"答え{q.QuestionId}-2") }),
        }.ToJsonString()));
        await using var judge = await JudgingStubServer.StartAsync(user => (200, user.Contains("-2", StringComparison.Ordinal) ? "評価：[[4]]" : "評価：[[8]]"));
        string[] args = ["eval", "judge", "--answers", answers, "--questions", SampleQuestions(), "--judge-url", judge.BaseUrl, "--judge-model", "stub"];
        var run = CliRunner.Run([.. args, "--output", Sub("judge.json")]);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Equal(2 * questions.Count, judge.Requests.Count);
        Assert.Single(judge.RequestsContaining($"答え{questions[0].QuestionId}-1"), r => !r.User.Contains($"答え{questions[0].QuestionId}-2", StringComparison.Ordinal));
        Assert.Matches(@"mt_bench/turn1\s+8\n", run.Out);
        Assert.Matches(@"mt_bench/turn2\s+4\n", run.Out);
        var result = JsonNode.Parse(File.ReadAllText(Sub("judge.json")))!;
        Assert.Equal("other-tool", (string)result["model"]!); // named after the file, as FastChat names it
        Assert.Equal(answers, (string)result["details"]!["model_directory"]!);

        // Exactly one source of answers; a file missing a question names the file and the question.
        var both = CliRunner.Run([.. args, "--model", Sub("m")]);
        Assert.Contains("give either --model DIR", both.Err);
        File.WriteAllLines(answers, File.ReadAllLines(answers).Skip(1));
        var missing = CliRunner.Run(args);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"{answers}: no answer for question_id {questions[0].QuestionId}", missing.Err);
    }

    [Fact]
    public void MalformedQuestionsAndBadOptionsFailWithOneClearLineBeforeLoadingAnything()
    {
        File.WriteAllText(Sub("q.jsonl"), """
            {"question_id": 1, "category": "stem", "turns": ["a", "b"]}

            {"question_id": 2, "category": "stem", "turns": ["a", ""]}
            """);
        string[] args = ["eval", "judge", "--model", Sub("absent"), "--questions", Sub("q.jsonl"), "--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "j"];
        var bad = CliRunner.Run(args);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith($"error: {Sub("q.jsonl")}:3: field 'turns[1]' is an empty turn.", bad.Err);

        File.WriteAllText(Sub("q.jsonl"), """{"question_id": 1, "category": "stem", "turns": ["a", "b"]}""");
        Assert.StartsWith("error: judge URL 'localhost:8000' is not an http(s) URL", CliRunner.Run([.. args[..6], "--judge-url", "localhost:8000", "--judge-model", "j"]).Err);
        Assert.StartsWith("error: --judge-timeout must be a number of seconds in (0, 86400] (got 0)", CliRunner.Run([.. args, "--judge-timeout", "0"]).Err);
        Assert.StartsWith("error: --judge-timeout must be", CliRunner.Run([.. args, "--judge-timeout", "NaN"]).Err);
        Assert.StartsWith("error: --max-new-tokens must be ≥ 1", CliRunner.Run([.. args, "--max-new-tokens", "0"]).Err);
        var missing = CliRunner.Run(args);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("tokenizer.model", missing.Err);
        Assert.Equal(2, CliRunner.Run("eval", "judge", "--model", "m", "--questions", "q").ExitCode); // --judge-url/--judge-model missing
    }
}
