using System.CommandLine;
using Tsumugi.Dashboard;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi dashboard`: the live web dashboard over a folder of runs. Thin over <see cref="DashboardServer"/>.</summary>
public static class DashboardCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "dashboard";
    internal const string Description =
        "Serve a live web dashboard of runs, pipelines, eval results and samples under --runs (read-only; Ctrl-C stops).";

    public static Command Create()
    {
        var defaults = new DashboardOptions { Runs = "." };
        var runs = new Option<string>("--runs")
        {
            Description = "Folder holding run directories (metrics.jsonl, events.jsonl), pipelines (.pipeline/state.json) and eval results (*.json); searched a few levels deep. Nothing outside it is served.",
            Required = true,
        };
        var host = new Option<string>("--host") { Description = "Address to listen on. Anything but a loopback address needs --token.", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port; the URL printed has the actual one).", DefaultValueFactory = _ => defaults.Port };
        var token = new Option<string?>("--token") { Description = "Require this secret on every request (the printed URL carries it as ?token=). Needed with a non-loopback --host." };
        var command = new Command(Name, Description)
        {
            runs, host, port, token,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new DashboardOptions { Runs = parse.GetValue(runs)!, Host = parse.GetValue(host)!, Port = parse.GetValue(port), Token = parse.GetValue(token) };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2; // a usage error: nothing was started
            }
            await using var server = new DashboardServer(options);
            await server.StartAsync(cancellationToken);
            var url = server.BaseUrl + "/";
            Console.WriteLine($"Dashboard: {url}");
            if (options.Token is not null) Console.WriteLine($"Open: {url}?token={Uri.EscapeDataString(options.Token)}");
            Console.Error.WriteLine($"Serving runs under {Path.GetFullPath(options.Runs)} (read-only); Ctrl-C stops.");
            await server.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
