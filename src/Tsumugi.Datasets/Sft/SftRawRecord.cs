using System.Text.Json;

namespace Tsumugi.Datasets.Sft;

/// <summary>One record as read from a file: its JSON object, or why it could not be read (<see cref="Error"/>).</summary>
internal readonly record struct SftRawRecord(SftLocation Location, JsonElement Element, string Json, string? Error);
