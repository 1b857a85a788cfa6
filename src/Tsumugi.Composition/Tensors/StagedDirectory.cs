using Tsumugi.Common;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// A model directory that appears whole or not at all: built in <c>OUTPUT.partial</c> (a leftover from a killed run
/// is removed first), fsynced, then renamed into place and the parent fsynced. A failure deletes the partial build.
/// </summary>
public static class StagedDirectory
{
    public static T Publish<T>(string output, Func<string, T> build)
    {
        string staging = output.TrimEnd(Path.DirectorySeparatorChar) + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        T result;
        try
        {
            result = build(staging);
            FileSync.SyncDirectory(staging);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
        if (Directory.Exists(output)) Directory.Delete(output);
        Directory.Move(staging, output);
        FileSync.SyncDirectory(Path.GetDirectoryName(output)!);
        return result;
    }
}
