using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;
using Tsumugi.Evaluation.Suites;
using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Training.TaskEval;

/// <summary>
/// RUN_DIR/eval/suite.json: the task set a run evaluates its checkpoints on (from <c>eval.tasks</c>), and the base model
/// a LoRA run's adapters go over. The trainer writes it at the start; `tsumugi eval sweep RUN_DIR` reads it, so a run
/// in <c>eval.mode: queue</c> is evaluated by a separate process with the same tasks and settings, and a sweep over a
/// finished run needs no --tasks.
/// </summary>
public sealed record TaskEvalSpec(IReadOnlyList<string> Tasks, int? Shots, int? MaxSamples, int BatchSize, string? BaseModel)
{
    public const string FileName = "suite.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [JsonIgnore]
    public TaskRunOptions RunOptions => new(Shots, BatchSize);

    public TaskSuite LoadSuite() => TaskSuite.Load(Tasks, MaxSamples);

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The spec at <paramref name="path"/>, or null when the file is absent; a damaged file names itself.</summary>
    public static TaskEvalSpec? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<TaskEvalSpec>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty task-evaluation spec.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a task-evaluation spec ({e.Message}); delete it and pass --tasks to `eval sweep`.");
        }
    }
}
