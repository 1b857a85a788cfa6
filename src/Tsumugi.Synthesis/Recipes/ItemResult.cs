using System.Text.Json.Nodes;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// What a recipe made of an item: the output record (SFT <c>messages</c> or a DPO pair, with <c>meta</c> provenance),
/// the generated texts the quality gates check (name, text, finish reason), the instruction and answer a judge would
/// see, and a rejection when the recipe itself refused the item (an answer cut at max_tokens, a tie between samples).
/// </summary>
public sealed record ItemResult(JsonObject Record, IReadOnlyList<GatedText> Generated, string Instruction, string Answer, string? Rejection = null);

/// <summary>
/// A text a model wrote for the record: what the gates see, named for rejection reasons; <paramref name="Truncated"/>
/// when the model stopped at max_tokens (finish_reason "length") rather than by itself.
/// </summary>
public sealed record GatedText(string What, string Text, bool Truncated);
