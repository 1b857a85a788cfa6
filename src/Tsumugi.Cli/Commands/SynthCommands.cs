using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tsumugi.Synthesis;
using Tsumugi.Synthesis.Config;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi synth`: synthetic SFT conversations and DPO pairs from OpenAI-compatible endpoints (`run`), and the
/// summary of an output directory (`stats`). Everything that can be wrong with a config is reported before the first
/// request; a killed or failed run continues with --resume without asking (or paying for) anything twice.
/// </summary>
public static class SynthCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "synth";
    internal const string Description =
        "Synthetic instruction and preference data: recipes (regenerate, self_instruct, evol, persona, multi_turn, translate, pairs) "
        + "that ask OpenAI-compatible endpoints — tsumugi serve included — gate the answers and write SFT/DPO records exactly once.";

    public static Command Create()
    {
        var group = new Command(Name, Description);
        group.Add(Run());
        group.Add(Stats());
        return group;
    }

    static Command Run()
    {
        var config = new Option<string>("--config") { Description = "Recipe config (YAML; see configs/synth-*.yaml and docs/synth.md).", Required = true };
        var output = CommonOptions.Output("Output directory: records/ (the SFT or DPO shards), rejected/ (with reasons), stats.json, state/ (for --resume).");
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --output: finished items are kept, answered requests are not asked again." };
        var urls = new Option<string[]>("--endpoint-url")
        {
            Description = "NAME=URL: send endpoint NAME's requests to URL instead of the config's (repeatable), e.g. a server on another port.",
            AllowMultipleArgumentsPerToken = false,
        };
        var check = new Option<bool>("--check") { Description = "Check the config, inputs, keys and endpoints, print the plan, and stop before the first request." };
        var command = new Command("run", "Run a synth recipe into --output (resumable; Ctrl-C keeps what is done).") { config, output, resume, urls, check };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = (parse.GetValue(urls) ?? []).Select(u => u.Split('=', 2) is [var n, var v] && n.Length > 0 ? (n, v)
                : throw new ArgumentException($"--endpoint-url {u}: expected NAME=URL (the endpoint's name in the config)")).ToDictionary(p => p.n, p => p.v);
            var c = SynthConfig.Load(parse.GetValue(config)!, Environment.GetEnvironmentVariable, overrides);
            var dir = parse.GetValue(output)!;
            var runner = new SynthRunner(c, dir);
            runner.CheckOutput(parse.GetValue(resume), w => Console.Error.WriteLine($"warning: {w}"));
            foreach (var skipped in c.SkippedInputs.Take(5)) Console.Error.WriteLine($"warning: skipped input {skipped}");
            if (c.SkippedInputs.Count > 5) Console.Error.WriteLine($"warning: … {c.SkippedInputs.Count - 5} more input lines skipped");
            var endpoints = string.Join(", ", c.Endpoints.Select(e => $"{e.Name} ({e.Model} at {e.Url}, {e.Concurrency} at a time)"));
            Console.Error.WriteLine($"Recipe {c.Recipe.Name}: {c.Recipe.Items(c.Inputs).Count()} items from {c.Inputs.Count} input records; endpoints: {endpoints}");
            if (parse.GetValue(check))
            {
                await runner.CheckEndpointsAsync(cancellationToken);
                Console.Error.WriteLine("Check passed: config, inputs, templates, keys and endpoints are usable.");
                return 0;
            }

            // Ctrl-C and SIGTERM stop the run between requests: what is committed is sealed, stats are written, and
            // --resume continues (the default handling would end the process before any of that).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            void OnSignal(PosixSignalContext ctx)
            {
                ctx.Cancel = true;
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            SynthOutcome outcome = null!;
            await AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(c.Recipe.Name, maxValue: 1);
                    var progress = new Progress<SynthProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                        var rate = p.Elapsed.TotalSeconds > 0 ? p.CompletionTokens / p.Elapsed.TotalSeconds : 0;
                        task.Description = $"{c.Recipe.Name} {p.Done}/{p.Total}: {p.Accepted} ok, {p.Rejected} rejected, {p.Failed} failed, {rate:0} tok/s";
                    });
                    outcome = await runner.RunAsync(progress, stop.Token);
                    task.Value = task.MaxValue;
                });
            Print(outcome, dir);
            if (outcome.Cancelled) { Console.Error.WriteLine($"Interrupted: run again with --resume to finish the rest."); return 1; }
            if (outcome.Failed > 0)
            {
                Console.Error.WriteLine($"{outcome.Failed} items failed (first: {outcome.Failures[0]}); run again with --resume to retry them.");
                return 1;
            }
            return 0;
        });
        return command;
    }

    static void Print(SynthOutcome o, string dir)
    {
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        Console.WriteLine($"items       {o.Items} ({o.DoneBefore} done by earlier runs)");
        Console.WriteLine($"accepted    {o.Accepted}");
        Console.WriteLine($"rejected    {o.Rejected}" + (o.Rejected == 0 ? "" : $" ({string.Join(", ", o.RejectedBy.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"))})"));
        Console.WriteLine($"failed      {o.Failed}");
        Console.WriteLine($"replayed    {o.Replayed} requests answered from the cache of an earlier run");
        foreach (var (name, t) in o.Endpoints)
            Console.WriteLine($"endpoint    {name}: {t.Requests} requests ({t.Retries} retries, {t.Failed} failed), {t.PromptTokens} prompt + {t.CompletionTokens} completion tokens, cost {F(t.Cost)}");
        Console.WriteLine($"throughput  {F(o.CompletionTokensPerSecond)} completion tokens/s over {F(o.Seconds)} s");
        Console.WriteLine($"output      {Path.Combine(dir, "records")}");
    }

    static Command Stats()
    {
        var dir = new Argument<string>("DIR") { Description = "The --output directory of `tsumugi synth run`." };
        var command = new Command("stats", "Summarize a synth output directory: records, rejections by gate, requests, tokens and cost per endpoint.") { dir };
        command.SetAction(parse =>
        {
            foreach (var line in SynthStats.Summarize(parse.GetValue(dir)!)) Console.WriteLine(line);
            return 0;
        });
        return command;
    }
}
