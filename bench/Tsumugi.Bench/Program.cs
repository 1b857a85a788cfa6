using Tsumugi.Bench;

// Benchmarks print what they measured: medians over alternating rounds, never constants.
// Usage: dotnet run -c Release --project bench/Tsumugi.Bench -- train-mfu [--rounds N] | decode | train-overhead [--rounds N] | concurrent-decode [PRESET] [--rounds N] | scoring [PRESET] [--rounds N]
return args.FirstOrDefault() switch
{
    "train-mfu" => TrainMfuBenchmark.Run(Rounds(args)),
    "decode" => DecodeBenchmark.Run(Rounds(args)),
    "hf-parity" => HfParity.Run(args),
    "train-overhead" => TrainOverheadBenchmark.Run(Rounds(args)),
    "concurrent-decode" => ConcurrentDecodeBenchmark.Run(Rounds(args), Preset(args, "125m")),
    "scoring" => ScoringBenchmark.Run(Rounds(args), Preset(args, "11m")),
    _ => Usage(),
};

static int Rounds(string[] args)
{
    int i = Array.IndexOf(args, "--rounds");
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : 3;
}

static string Preset(string[] args, string fallback) => args.Length > 1 && !args[1].StartsWith("--") ? args[1] : fallback;

static int Usage()
{
    Console.Error.WriteLine("usage: Tsumugi.Bench train-mfu [--rounds N] | decode [--rounds N] | train-overhead [--rounds N] | concurrent-decode [PRESET] [--rounds N] | scoring [PRESET] [--rounds N]");
    return 2;
}
