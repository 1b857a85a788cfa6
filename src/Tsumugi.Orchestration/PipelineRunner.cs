using System.Diagnostics;

namespace Tsumugi.Orchestration;

/// <summary>What a run reports as it goes (the CLI prints it; tests record it).</summary>
public interface IPipelineObserver
{
    void Skipped(PreparedStage stage, StageRecord record) { }
    void Starting(PreparedStage stage, StageDecision decision) { }
    void Finished(PreparedStage stage, StageRecord record) { }
    void Failed(PreparedStage stage, Exception error) { }
}

/// <summary>
/// Runs a prepared pipeline: stages in order, each skipped, resumed, restarted or rerun as <see cref="StageDecisions"/>
/// says, with state.json rewritten before and after each so a kill at any moment leaves an accurate record. One run
/// per output folder at a time (an advisory lock that the kernel drops when the process dies, kill -9 included).
/// </summary>
public sealed class PipelineRunner(Pipeline pipeline, IPipelineObserver observer, ThroughputLog? rates = null, IReadOnlyCollection<string>? rerun = null)
{
    public const string LockFile = "lock";

    /// <summary>Runs every stage that needs it; the first failure is recorded and rethrown.</summary>
    public PipelineState Run(CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Path.Combine(pipeline.Output, PipelineState.Folder));
        using var runLock = TakeLock();
        var state = PipelineState.Load(pipeline.Output);
        state.Name = pipeline.Spec.Name;
        state.Config = pipeline.Spec.File;
        // state.json lists the stages in this file's order; stages no longer in the file keep their records at the end.
        state.Stages = pipeline.Stages.Select(s => state.Get(s.Name, s.Spec.Kind))
            .Concat(state.Stages.Where(r => pipeline.Stages.All(s => s.Name != r.Name))).ToList();
        foreach (var disabled in pipeline.Disabled) state.Get(disabled.Name, disabled.Kind).State = StageRecord.Skipped;
        state.Save(pipeline.Output);

        foreach (var (stage, decision) in pipeline.Decide(state, rerun))
        {
            cancel.ThrowIfCancellationRequested();
            var record = state.Get(stage.Name, stage.Spec.Kind);
            if (decision == StageDecision.Skip)
            {
                observer.Skipped(stage, record);
                continue;
            }
            if (decision != StageDecision.Resume) Clear(stage, record);
            observer.Starting(stage, decision);
            record.Resumed = decision == StageDecision.Resume ? record.Resumed + 1 : 0;
            record.State = StageRecord.Running;
            record.Fingerprint = stage.Fingerprint;
            record.Started = DateTimeOffset.UtcNow;
            record.Finished = null;
            record.Seconds = null;
            record.Message = null;
            state.Save(pipeline.Output);

            var clock = Stopwatch.StartNew();
            try
            {
                Directory.CreateDirectory(stage.Directory);
                record.Message = stage.Plan.Run(new StageRun(stage.Directory, decision == StageDecision.Resume));
            }
            catch (Exception e)
            {
                record.State = StageRecord.Failed;
                record.Message = e.Message;
                record.Seconds = clock.Elapsed.TotalSeconds;
                state.Save(pipeline.Output);
                observer.Failed(stage, e);
                throw;
            }
            record.State = StageRecord.Done;
            record.Finished = DateTimeOffset.UtcNow;
            record.Seconds = clock.Elapsed.TotalSeconds;
            record.Bytes = FolderBytes(stage.Directory);
            if (stage.Plan.Work() is { } work)
            {
                (record.Work, record.WorkUnit) = (work.Amount, work.Unit);
                rates?.Record(stage.Spec.Kind, work, record.Seconds.Value, record.Bytes.Value);
            }
            state.Save(pipeline.Output);
            observer.Finished(stage, record);
        }
        return state;
    }

    /// <summary>Empties a stage's folder before a fresh run, refusing to delete a folder this pipeline did not write.</summary>
    void Clear(PreparedStage stage, StageRecord record)
    {
        if (!Directory.Exists(stage.Directory)) return;
        if (record.Fingerprint is null && Directory.EnumerateFileSystemEntries(stage.Directory).Any())
            throw new IOException($"{stage.Directory} exists and was not written by this pipeline (no record in {PipelineState.PathIn(pipeline.Output)}); " +
                                  "move it away or choose another --output.");
        Directory.Delete(stage.Directory, recursive: true);
    }

    FileStream TakeLock()
    {
        var path = Path.Combine(pipeline.Output, PipelineState.Folder, LockFile);
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException)
        {
            throw new IOException($"{pipeline.Output} is in use by another `tsumugi pipeline run` ({path} is locked); wait for it or stop it.");
        }
    }

    public static long FolderBytes(string directory) => !Directory.Exists(directory) ? 0
        : new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
