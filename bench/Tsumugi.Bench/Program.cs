using Tsumugi.Bench;

// Benchmarks print what they measured: medians over alternating rounds, never constants.
// Usage: dotnet run -c Release --project bench/Tsumugi.Bench -- train-mfu [--rounds N] | decode | train-overhead [--rounds N] | concurrent-decode [PRESET] [--rounds N] | scoring [PRESET] [--rounds N] [--threads N]
return args.FirstOrDefault() switch
{
    "train-mfu" => TrainMfuBenchmark.Run(Rounds(args)),
    "decode" => DecodeBenchmark.Run(Rounds(args)),
    "hf-parity" => HfParity.Run(args),
    "train-overhead" => TrainOverheadBenchmark.Run(Rounds(args)),
    "concurrent-decode" => ConcurrentDecodeBenchmark.Run(Rounds(args), Preset(args, "125m")),
    "scoring" => ScoringBenchmark.Run(Rounds(args), Preset(args, "11m"), IntOption(args, "--threads", 0)),
    _ => Usage(),
};

static int Rounds(string[] args) => IntOption(args, "--rounds", 3);

static int IntOption(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}

static string Preset(string[] args, string fallback) => args.Length > 1 && !args[1].StartsWith("--") ? args[1] : fallback;

static int Usage()
{
    Console.Error.WriteLine("usage: Tsumugi.Bench train-mfu [--rounds N] | decode [--rounds N] | train-overhead [--rounds N] | concurrent-decode [PRESET] [--rounds N] | scoring [PRESET] [--rounds N] [--threads N]");
    return 2;
}
