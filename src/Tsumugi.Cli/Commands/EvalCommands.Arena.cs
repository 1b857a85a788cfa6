using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Evaluation.Arena;
using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval arena judge | vote | rate`: battles among models' MT-Bench answers (FastChat model_answer files, from
/// `eval judge --answers-output` or any other tool), judged pairwise by an LLM judge in both position orders or voted on
/// by a person on a local page, then rated as Chatbot Arena does (Bradley–Terry MLE and online Elo, bootstrap intervals).
/// </summary>
public static partial class EvalCommands
{
    static partial void AddArena(Command group)
    {
        var arena = new Command("arena", "Battles among models: pairwise LLM judging (position-swapped), human votes on a local page, Elo / Bradley–Terry leaderboard.");
        arena.Add(ArenaJudge());
        arena.Add(ArenaVote());
        arena.Add(ArenaRate());
        group.Add(arena);
    }

    static Option<string[]> AnswerFiles() => new("--answers")
    {
        Description = "FastChat model_answer JSONL files, one per model (the model is named after the file: answers/NAME.jsonl).",
        Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore,
    };

    static Option<string?> Baseline() => new("--baseline") { Description = "Compare every model with this one only (FastChat pairwise-baseline); default: all pairs (pairwise-all)." };

    /// <summary>The answer files by model name; two files naming the same model would merge two models' battles.</summary>
    static Dictionary<string, ModelAnswers> ReadAnswers(string[] paths)
    {
        var answers = new Dictionary<string, ModelAnswers>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var file = ModelAnswerFile.Read(path);
            if (!answers.TryAdd(file.ModelId, file))
                throw new ArgumentException($"--answers: {path} and {answers[file.ModelId].Source} both name model '{file.ModelId}'; rename one file.");
        }
        if (answers.Count < 2) throw new ArgumentException($"--answers: give at least two models' answer files (got {answers.Count}).");
        return answers;
    }

    static IReadOnlyList<(string, string)> Pairs(IReadOnlyDictionary<string, ModelAnswers> answers, string? baseline) =>
        baseline is null ? PairwiseJudge.AllPairs([.. answers.Keys]) : PairwiseJudge.AgainstBaseline([.. answers.Keys], baseline);

    static Command ArenaJudge()
    {
        var judge = new JudgeOptions();
        var answerFiles = AnswerFiles();
        var baseline = Baseline();
        var battles = new Option<string?>("--battles") { Description = "Write the counted matches as battles (JSONL) for `eval arena rate`." };
        var output = CommonOptions.OptionalOutput("Write the win-rate table and every judgment (both games' verdicts and judge outputs) to this JSON file.");
        var command = new Command("judge", "Pairwise MT-Bench judging: each turn judged in both position orders; agreeing verdicts win, others tie (FastChat).")
        {
            answerFiles, baseline, battles, output,
        };
        judge.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (_, questions, templates) = judge.ReadQuestions(parse);
            var settings = judge.Settings(parse);
            var answers = ReadAnswers(parse.GetValue(answerFiles)!);
            var pairs = Pairs(answers, parse.GetValue(baseline));
            foreach (var file in answers.Values) foreach (var q in questions) file.For(q); // a missing answer fails before any output
            var pairwise = new PairwiseJudge(new JudgeClient(settings), settings.Concurrency, templates);
            int total = pairs.Count * questions.Sum(q => q.Turns.Count), done = 0;
            Console.Error.WriteLine($"Judging {total} matches ({total * 2} judge requests) with '{settings.Model}' at {settings.Endpoint} ({settings.Concurrency} at a time) …");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var judgments = await pairwise.JudgeAsync(questions, answers, pairs, j => Console.Error.WriteLine(
                $"  [{++done}/{total}] {j.Model1} vs {j.Model2}, {j.QuestionId} turn {j.Turn}: {j.Winner ?? $"{j.Failure} ({j.Error})"}"), cancellationToken);
            Console.Error.WriteLine(Throughput(judgments.Sum(j => j.JudgeAttempts), clock.Elapsed));

            var records = PairwiseScores.Compute(judgments, parse.GetValue(baseline));
            var failures = JudgeFailure.All.ToDictionary(k => k, k => judgments.Count(j => j.Failure == k));
            int counted = judgments.Count(j => j.Winner is not null), noVerdict = judgments.Sum(j => j.NoVerdictReplies);
            if (parse.GetValue(battles) is { } battlePath)
            {
                if (File.Exists(battlePath)) File.Delete(battlePath); // this run's battles only; the votes file is the one that accumulates
                BattleFile.Append(battlePath, BattleFile.FromJudgments(judgments, settings.Model));
                Console.Error.WriteLine($"Wrote {counted} battles to {battlePath}");
            }
            if (parse.GetValue(output) is { } path) WritePairwise(path, settings, parse.GetValue(baseline), records, failures, judgments);
            Console.Write(PairwiseScores.Table(records));
            Console.WriteLine($"matches {counted} counted, {judgments.Count - counted} failed ("
                + string.Join(", ", failures.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}")) + $"), judge answers without a verdict: {noVerdict}");
            if (counted == 0)
            {
                Console.Error.WriteLine($"error: none of the {judgments.Count} matches could be judged; check --judge-url / --judge-model and the judge's output.");
                return 1;
            }
            if (counted < judgments.Count) Console.Error.WriteLine($"warning: {judgments.Count - counted} of {judgments.Count} matches have a failed game and are left out of the table.");
            return 0;
        });
        return command;
    }

    /// <summary>The judging throughput line both judging commands print (bench/eval/judge_concurrency.sh reads it).</summary>
    static string Throughput(int requests, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"Judged: {requests} judge requests in {elapsed.TotalSeconds:0.000} s ({requests / elapsed.TotalSeconds:0.00} judgments/s)");

    static void WritePairwise(string path, JudgeSettings settings, string? baseline, IReadOnlyList<PairwiseRecord> records,
        IReadOnlyDictionary<string, int> failures, IReadOnlyList<PairwiseJudgment> judgments)
    {
        var json = new JsonObject
        {
            ["kind"] = "pairwise",
            ["mode"] = baseline is null ? "pairwise-all" : "pairwise-baseline",
            ["baseline"] = baseline,
            ["judge"] = JsonSerializer.SerializeToNode(MtBenchDetails.JudgeInfo.From(settings), JsonOptions),
            ["records"] = JsonSerializer.SerializeToNode(records.Select(r => new
            {
                r.Model, r.Category, r.Win, r.Loss, r.Tie, r.WinRate, r.LossRate, r.WinRateAdjusted,
            }), JsonOptions),
            ["failures"] = JsonSerializer.SerializeToNode(failures, JsonOptions),
            ["judgments"] = JsonSerializer.SerializeToNode(judgments.Select(j => new
            {
                j.QuestionId, j.Category, j.Turn, j.Model1, j.Model2, j.JudgePromptName, j.Winner, j.G1Winner, j.G2Winner,
                j.G1Output, j.G2Output, j.Failure, j.Error, j.JudgeAttempts, j.NoVerdictReplies,
            }), JsonOptions),
        };
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        File.WriteAllText(path, json.ToJsonString(JsonOptions) + "\n");
        Console.Error.WriteLine($"Wrote {path}");
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    static Command ArenaVote()
    {
        var questions = new Option<string>("--questions") { Description = "MT-Bench question file (FastChat question.jsonl).", Required = true };
        var answerFiles = AnswerFiles();
        var baseline = Baseline();
        var votes = new Option<string>("--votes") { Description = "Append every vote as a battle to this JSONL file (read it with `eval arena rate`).", Required = true };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 to serve the vote page on.", DefaultValueFactory = _ => 8765 };
        var seed = new Option<int>("--seed") { Description = "Seed for the order of matchups and which model is shown as A.", DefaultValueFactory = _ => 0 };
        var maxVotes = new Option<int?>("--max-votes") { Description = "Stop after this many votes (default: serve until Ctrl+C)." };
        var command = new Command("vote", "Serve a local page showing a question and two anonymised answers; votes (A / B / tie / both bad) go to a JSONL file.")
        {
            questions, answerFiles, baseline, votes, port, seed, maxVotes,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var items = MtBenchQuestionReader.Read(parse.GetValue(questions)!);
            var answers = ReadAnswers(parse.GetValue(answerFiles)!);
            if (parse.GetValue(port) is < 1 or > 65535) throw new ArgumentException($"--port must be in [1, 65535] (got {parse.GetValue(port)}).");
            if (parse.GetValue(maxVotes) is < 1) throw new ArgumentException($"--max-votes must be ≥ 1 (got {parse.GetValue(maxVotes)}).");
            var matchups = VoteMatchup.Plan(items, answers, Pairs(answers, parse.GetValue(baseline)), parse.GetValue(seed));
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var server = new VoteServer(matchups, parse.GetValue(votes)!, parse.GetValue(port));
            server.Voted += _ => { if (server.Votes >= parse.GetValue(maxVotes)) enough.TrySetResult(); };
            Console.Error.WriteLine($"Vote at {server.Url} ({matchups.Count} matchups; votes go to {parse.GetValue(votes)}); Ctrl+C to stop.");
            try { await enough.Task.WaitAsync(cancellationToken); }
            catch (OperationCanceledException) { }
            Console.WriteLine($"votes {server.Votes}");
            return 0;
        });
        return command;
    }

    static Command ArenaRate()
    {
        var battles = new Option<string[]>("--battles")
        {
            Description = "Battle JSONL files (from `eval arena judge --battles` or `eval arena vote --votes`), read in order.",
            Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore,
        };
        var rounds = new Option<int>("--bootstrap") { Description = "Bootstrap rounds for the 95% intervals (0: none).", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Bootstrap seed.", DefaultValueFactory = _ => 0 };
        var output = CommonOptions.OptionalOutput("Write the leaderboard (ratings, intervals, counts) to this JSON file.");
        var command = new Command("rate", "Leaderboard from battles: Bradley–Terry MLE and online Elo (FastChat elo_analysis), bootstrap 95% intervals.")
        {
            battles, rounds, seed, output,
        };
        command.SetAction(parse =>
        {
            var all = parse.GetValue(battles)!.SelectMany(BattleFile.Read).ToList();
            if (all.Count == 0) throw new ArgumentException("--battles: the files hold no battles; judge or vote first.");
            if (parse.GetValue(rounds) is < 0 or > 100_000) throw new ArgumentException($"--bootstrap must be in [0, 100000] (got {parse.GetValue(rounds)}).");
            var board = Leaderboard.Compute(all, parse.GetValue(rounds), parse.GetValue(seed));
            Console.Write(board.Table());
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{all.Count} battles, {board.Rows.Count} models, {board.BootstrapRounds} bootstrap rounds, seed {board.Seed}]"));
            if (parse.GetValue(output) is { } path)
            {
                board.Write(path);
                Console.Error.WriteLine($"Wrote {path}");
            }
            return 0;
        });
        return command;
    }
}
