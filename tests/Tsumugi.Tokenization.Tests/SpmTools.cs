using System.Diagnostics;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Runs Debian's spm_train / spm_encode (installed by scripts/install-test-deps.sh).</summary>
public static class SpmTools
{
    public static string Run(string exe, string args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(exe, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        if (stdin != null) psi.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{exe} is not installed; run scripts/install-test-deps.sh", e);
        }
        // Read both pipes while writing stdin, or a large output fills the pipe and both sides block.
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.ReadToEndAsync();
        if (stdin != null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        string output = outTask.Result;
        p.WaitForExit();
        string err = errTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {args} failed ({p.ExitCode}): {err[^Math.Min(err.Length, 2000)..]}");
        return output;
    }

    /// <summary>Trains with spm_train on the given lines and returns the .model path.</summary>
    public static string Train(string dir, string name, IEnumerable<string> lines, string options)
    {
        Directory.CreateDirectory(dir);
        var input = Path.Combine(dir, name + ".txt");
        File.WriteAllLines(input, lines);
        var prefix = Path.Combine(dir, name);
        Run("spm_train", $"--input={input} --model_prefix={prefix} --num_threads=2 --minloglevel=2 {options}");
        return prefix + ".model";
    }

    /// <summary>spm_encode --output_format=id on each line (lines must not contain '\n').</summary>
    public static List<int[]> EncodeIds(string model, IReadOnlyList<string> lines)
    {
        var output = Run("spm_encode", $"--model={model} --output_format=id", string.Join("\n", lines) + "\n");
        var result = output.Split('\n').SkipLast(1)
            .Select(l => l.Length == 0 ? Array.Empty<int>() : l.Split(' ').Select(int.Parse).ToArray()).ToList();
        if (result.Count != lines.Count) throw new InvalidOperationException($"spm_encode returned {result.Count} lines for {lines.Count}");
        return result;
    }

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "tsumugi-tok-tests", name + "-" + Environment.ProcessId);
        Directory.CreateDirectory(d);
        return d;
    }
}
