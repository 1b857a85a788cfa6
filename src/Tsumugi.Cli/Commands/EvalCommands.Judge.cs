using System.CommandLine;
using System.Globalization;
using Tsumugi.Evaluation;
using Tsumugi.Evaluation.Judging;
using Tsumugi.Generation;
using Tsumugi.Generation.Engine;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval judge`: MT-Bench-style evaluation. The model answers every turn of every question (per-category
/// temperatures) — or the answers come from a FastChat model_answer file (--answers) — an OpenAI-compatible judge rates
/// each answer 1–10, and the averages plus every sample go to --output.
/// Judge failures are counted, never fatal; the exit code is 1 only when not one answer could be judged.
/// </summary>
public static partial class EvalCommands
{
    static partial void AddJudge(Command group)
    {
        var model = new Option<string?>("--model") { Description = "Model directory to evaluate (HF layout with tokenizer.model); it answers every question." };
        var answersInput = new Option<string?>("--answers") { Description = "Grade these answers instead of generating them: a FastChat model_answer JSONL from any tool (instead of --model)." };
        var judge = new JudgeOptions();
        var answersOutput = new Option<string?>("--answers-output") { Description = "Also write the model's answers as a FastChat model_answer JSONL file (for eval arena, FastChat, llm-jp-judge)." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Most tokens the model may generate per turn.", DefaultValueFactory = _ => MtBenchAnswerGenerator.DefaultMaxNewTokens };
        var temperature = new Option<double?>("--temperature") { Description = "One temperature for all categories instead of MT-Bench's per-category table (0 = greedy)." };
        var seed = new Option<long>("--seed") { Description = "Base sampling seed; each (question, turn) derives its own from it.", DefaultValueFactory = _ => 0 };
        var adapter = CommonOptions.Adapter();
        var chatFormat = CommonOptions.ChatFormat();
        var engine = CommonOptions.Engine(EngineDescription);
        var weights = CommonOptions.EngineWeights();
        var modelName = CommonOptions.ModelName("Name for the model in results and reports (default: the directory name).");
        var output = CommonOptions.OptionalOutput("Write metrics and every sample (answer, judge prompt and output, score) to this JSON file.");
        var command = new Command("judge", "MT-Bench-style judging: the model answers multi-turn questions, an OpenAI-compatible judge rates each answer.")
        {
            model, answersInput, adapter, maxNewTokens, temperature, seed, chatFormat, modelName, output, answersOutput, engine, weights,
        };
        judge.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Questions, references and templates before loading the model: a bad line costs nothing.
            var (questionPath, items, templates) = judge.ReadQuestions(parse);
            var settings = judge.Settings(parse);
            if (parse.GetValue(maxNewTokens) < 1) throw new ArgumentException($"--max-new-tokens must be ≥ 1 (got {parse.GetValue(maxNewTokens)}).");
            if (parse.GetValue(temperature) is { } t && !(double.IsFinite(t) && t is >= 0 and <= 100))
                throw new ArgumentException($"--temperature must be in [0, 100] (got {t}); 0 means greedy.");
            var client = new JudgeClient(settings);
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));

            if ((parse.GetValue(model) is null) == (parse.GetValue(answersInput) is null))
                throw new ArgumentException("give either --model DIR (the model answers the questions) or --answers FILE (answers from a FastChat model_answer file).");
            var generated = parse.GetValue(model) is { } dir ? GenerateAnswers(dir, parse.GetValue(chatFormat), parse.GetValue(modelName), parse.GetValue(adapter), decoder,
                (parse.GetValue(maxNewTokens), parse.GetValue(seed), parse.GetValue(temperature)), items, cancellationToken) : null;
            var external = parse.GetValue(answersInput) is { } answersFile ? ModelAnswerFile.Read(answersFile) : null;
            var answers = generated?.Answers ?? external!.ToMtBenchAnswers(items);
            var modelLabel = generated?.Name ?? parse.GetValue(modelName) ?? external!.ModelId;

            if (parse.GetValue(answersOutput) is { } answersPath)
            {
                ModelAnswerFile.Write(answersPath, modelLabel, answers);
                Console.Error.WriteLine($"Wrote {answersPath}");
            }

            int total = answers.Sum(a => a.Turns.Count), done = 0;
            Console.Error.WriteLine($"Judging {total} answers with '{settings.Model}' at {settings.Endpoint} ({settings.Concurrency} at a time) …");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var samples = await new MtBenchJudge(client, settings.Concurrency, templates).JudgeAsync(answers, s =>
                Console.Error.WriteLine($"  [{++done}/{total}] {s.QuestionId} turn {s.Turn}: "
                    + (s.Score is { } score ? score.ToString(CultureInfo.InvariantCulture) : $"{s.Failure} ({s.Error})")), cancellationToken);

            Console.Error.WriteLine(Throughput(samples.Sum(s => s.JudgeAttempts), clock.Elapsed));
            var metrics = MtBenchScores.Compute(samples);
            var failures = MtBenchScores.Failures(samples);
            if (parse.GetValue(output) is { } path)
            {
                var details = new MtBenchDetails(questionPath, generated?.Directory ?? external!.Source, generated?.ChatFormat ?? ModelAnswers.ExternalFinish,
                    generated?.ChatTemplate ?? "FastChat model_answer file", generated is null ? 0 : parse.GetValue(maxNewTokens), parse.GetValue(seed), parse.GetValue(temperature),
                    MtBenchDetails.JudgeInfo.From(settings), failures, samples, judge.PromptsPath(parse), judge.ReferencesPath(parse));
                new EvalSummary("judge", modelLabel, DateTimeOffset.UtcNow, metrics).Write(path, details);
                Console.Error.WriteLine($"Wrote {path}");
            }
            foreach (var (name, value) in metrics) Console.WriteLine($"{name,-34} {value.ToString("0.####", CultureInfo.InvariantCulture)}");
            int failed = samples.Count(s => s.Score is null);
            if (failed == samples.Count)
            {
                Console.Error.WriteLine($"error: none of the {samples.Count} answers could be judged ("
                    + string.Join(", ", failures.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}"))
                    + $"); check --judge-url / --judge-model and the judge's output{(parse.GetValue(output) is { } p ? $" in {p}" : "")}.");
                return 1;
            }
            if (failed > 0) Console.Error.WriteLine($"warning: {failed} of {samples.Count} answers have no score and are left out of the averages.");
            if (samples.Sum(s => s.NoVerdictReplies) is var retried and > 0)
                Console.Error.WriteLine($"note: {retried} judge answers had no [[rating]]{(settings.RetryWithoutVerdict ? " and were asked again" : "; --judge-retry-no-verdict asks again")}.");
            return 0;
        });
        group.Add(command);
    }

    /// <summary>The model's answers to every question (per-category temperatures), and how they were made.</summary>
    sealed record GeneratedAnswers(IReadOnlyList<MtBenchAnswer> Answers, string Name, string Directory, string ChatFormat, string ChatTemplate);

    static GeneratedAnswers GenerateAnswers(string dir, string? chatFormat, string? name, string? adapter, (DecodeEngineKind Kind, WeightFormat? Weights) decoder,
        (int MaxNewTokens, long Seed, double? Temperature) sampling, IReadOnlyList<MtBenchQuestion> items, CancellationToken cancellationToken)
    {
        var (served, description) = ChatModelLoader.Load(dir, chatFormat, forced => PretrainedModel.Load(dir, new PretrainedModelOptions
        {
            Name = name, ChatFormat = forced, Adapter = adapter, Engine = decoder.Kind, EngineWeights = decoder.Weights,
        }));
        using var owned = served;
        var generator = new MtBenchAnswerGenerator(served) { MaxNewTokens = sampling.MaxNewTokens, Seed = sampling.Seed, Temperature = sampling.Temperature };
        Console.Error.WriteLine($"Answering {items.Count} questions with '{served.Name}' (chat template: {description}; decoder: {served.Decoder}) …");
        var answers = new List<MtBenchAnswer>();
        foreach (var q in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var answer = generator.Answer(q);
            answers.Add(answer);
            Console.Error.WriteLine($"  [{answers.Count}/{items.Count}] {q.QuestionId} ({q.Category}): "
                + string.Join(", ", answer.Turns.Select(a => $"{a.CompletionTokens} tokens, {a.FinishReason}")));
        }
        return new GeneratedAnswers(answers, served.Name, dir, served.ChatFormat.ToString(), served.ChatTemplate.Origin);
    }

    /// <summary>
    /// The judge options `eval judge` and `eval arena judge` share — questions, references, templates and the endpoint —
    /// and the checks that turn them into <see cref="JudgeSettings"/> with one clear error each.
    /// </summary>
    sealed class JudgeOptions
    {
        readonly Option<string> _questions = new("--questions") { Description = "MT-Bench question file (FastChat question.jsonl: question_id, category, turns, optional reference).", Required = true };
        readonly Option<string?> _references = new("--reference-answers") { Description = "FastChat reference_answer JSONL (e.g. reference_answer/gpt-4.jsonl): references for math, reasoning and coding, replacing inline ones." };
        readonly Option<string?> _prompts = new("--judge-prompts") { Description = "FastChat judge prompt file (judge_prompts.jsonl / judge_ja_prompts.jsonl); templates it names replace the built-in ones." };
        readonly Option<string> _url = new("--judge-url") { Description = "Judge's OpenAI-compatible API base, e.g. http://localhost:8000/v1.", Required = true };
        readonly Option<string> _model = new("--judge-model") { Description = "Model name to send to the judge endpoint.", Required = true };
        readonly Option<string?> _key = new("--judge-api-key") { Description = "Judge API key (default: $OPENAI_API_KEY, else a placeholder)." };
        readonly Option<double> _timeout = new("--judge-timeout") { Description = "Seconds to wait for one judge answer.", DefaultValueFactory = _ => 120 };
        readonly Option<int> _retries = new("--judge-retries") { Description = "Retries after a timeout, connection failure, 429 or 5xx (and a missing verdict with --judge-retry-no-verdict).", DefaultValueFactory = _ => 2 };
        readonly Option<bool> _retryNoVerdict = new("--judge-retry-no-verdict") { Description = "Ask again when the judge's answer has no verdict (counted either way; off: reported as no_verdict, as FastChat does)." };
        readonly Option<int> _concurrency = new("--judge-concurrency", "--concurrency") { Description = "Judge requests in flight at once.", DefaultValueFactory = _ => 4 };
        readonly Option<int> _maxTokens = new("--judge-max-tokens") { Description = "max_tokens for each judge answer (MT-Bench: 2048).", DefaultValueFactory = _ => 2048 };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _questions, _references, _prompts, _url, _model, _key, _timeout, _retries, _retryNoVerdict, _concurrency, _maxTokens })
                command.Add(option);
        }

        public (string Path, IReadOnlyList<MtBenchQuestion> Questions, IReadOnlyDictionary<string, JudgePromptTemplate>? Templates) ReadQuestions(ParseResult parse)
        {
            var path = parse.GetValue(_questions)!;
            var questions = MtBenchQuestionReader.Read(path);
            if (parse.GetValue(_references) is { } references) questions = ModelAnswerFile.Read(references).AsReferences(questions);
            return (path, questions, parse.GetValue(_prompts) is { } prompts ? JudgePromptFile.Read(prompts) : null);
        }

        public string? PromptsPath(ParseResult parse) => parse.GetValue(_prompts);
        public string? ReferencesPath(ParseResult parse) => parse.GetValue(_references);

        public JudgeSettings Settings(ParseResult parse)
        {
            double timeoutSeconds = parse.GetValue(_timeout);
            if (!(double.IsFinite(timeoutSeconds) && timeoutSeconds is > 0 and <= 86_400))
                throw new ArgumentException($"--judge-timeout must be a number of seconds in (0, 86400] (got {timeoutSeconds}).");
            var key = parse.GetValue(_key) ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY");
            var settings = new JudgeSettings
            {
                Url = parse.GetValue(_url)!, Model = parse.GetValue(_model)!, ApiKey = string.IsNullOrEmpty(key) ? "none" : key,
                Timeout = TimeSpan.FromSeconds(timeoutSeconds), Retries = parse.GetValue(_retries), RetryWithoutVerdict = parse.GetValue(_retryNoVerdict),
                Concurrency = parse.GetValue(_concurrency), MaxTokens = parse.GetValue(_maxTokens),
            };
            settings.Validate();
            return settings;
        }
    }
}
