using System.Diagnostics;
using Tsumugi.Datasets.Tokenize;

namespace Tsumugi.Datasets.Tests;

/// <summary>
/// Entry point of the test assembly when a test runs it as its own process (the project sets GenerateProgramFile=false):
/// a real <c>data tokenize</c> run that stops at a chosen point and waits there to be killed with SIGKILL.
/// </summary>
internal static class TokenizeChild
{
    public const string HangWhileMerging = "tokenize-hang-while-merging";

    public static int Main(string[] args)
    {
        switch (args)
        {
            case [HangWhileMerging, string dataset, string tokenizer, string output, .. var inputs]:
                new DatasetTokenizer(new TokenizeOptions { Inputs = inputs, Tokenizer = tokenizer, Output = output, Threads = 2 })
                    .Run(new HangAt(dataset));
                return 0;
            default:
                Console.Error.WriteLine($"unknown arguments: {string.Join(' ', args)}");
                return 2;
        }
    }

    /// <summary>Starts this assembly as a child process with <paramref name="arguments"/>; stdout and stderr redirected.</summary>
    public static Process Start(IReadOnlyList<string> arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(TokenizeChild).Assembly.Location);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the test assembly as a child process");
    }

    /// <summary>
    /// Called synchronously by the merge after each shard it copies: once the dataset is being written (its temporary
    /// holds data, the datasets before it are published), it says so and blocks the run until the test kills it.
    /// </summary>
    sealed class HangAt(string dataset) : IProgress<TokenizeProgress>
    {
        public void Report(TokenizeProgress value)
        {
            if (value.Merging != dataset) return;
            Console.WriteLine($"merging {dataset}");
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
