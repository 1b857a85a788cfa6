using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// One unit of work: what becomes one output record (or one rejection). <paramref name="Key"/> identifies it across
/// runs — the input's id, or the recipe's ordinal for recipes that invent their prompts — and is the record's
/// <c>meta.key</c>; <paramref name="Input"/> is the seed it starts from, when it has one.
/// </summary>
public sealed record SynthItem(int Index, string Key, SynthInput? Input);
