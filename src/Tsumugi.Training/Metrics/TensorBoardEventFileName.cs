using System.Globalization;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Event file names as PyTorch's and tensorboardX's <c>SummaryWriter</c> write them:
/// <c>events.out.tfevents.{unix seconds, 10 digits}.{hostname}.{pid}.{per-process counter}</c>.
/// TensorBoard reads a run directory's files in name order, so the zero-padded time keeps a resumed run's
/// file after the one it continues; pid and counter keep two writers opened in the same second apart.
/// </summary>
internal static class TensorBoardEventFileName
{
    public const string Prefix = "events.out.tfevents.";

    private static int Counter = -1;

    public static string Format(long unixSeconds, string hostName, int processId, int counter) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{unixSeconds:D10}.{hostName}.{processId}.{counter}");

    public static int NextCounter() => Interlocked.Increment(ref Counter);
}
