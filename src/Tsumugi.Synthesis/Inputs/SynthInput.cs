using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Inputs;

/// <summary>
/// One input record: its id (the <c>id_field</c> value, else <c>file:line</c>), where it was read, its scalar fields as
/// text (what templates may name), and its message lists (fields holding <c>[{role, content}…]</c>, for recipes that
/// take a whole conversation as the prompt).
/// </summary>
public sealed record SynthInput(string Id, string Where, IReadOnlyDictionary<string, string> Fields, IReadOnlyDictionary<string, IReadOnlyList<ChatTurn>> Conversations);
