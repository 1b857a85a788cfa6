namespace Tsumugi.Composition.Config;

/// <summary>
/// mergekit's <c>tokenizer:</c> section (<c>mergekit/tokenizer/config.py</c> <c>TokenizerConfig</c>), also what
/// <c>tokenizer_source: X</c> means (source X, no token overrides). <see cref="Source"/> is <c>union</c>, <c>base</c> or
/// a model reference; <see cref="Tokens"/> names tokens whose embedding rows come from a chosen place (a token not in
/// the output vocabulary is added to it); <see cref="PadToMultipleOf"/> rounds the output vocabulary size up.
/// </summary>
public sealed record TokenizerSettings(string Source, IReadOnlyDictionary<string, TokenEmbeddingSetting> Tokens, int? PadToMultipleOf, long Line);

/// <summary>Where one token's embedding rows come from (<c>TokenEmbeddingConfig</c>): <see cref="Source"/>, used for
/// the models lacking the token — or for every model when <see cref="Force"/> is set.</summary>
public sealed record TokenEmbeddingSetting(TokenEmbeddingSource Source, bool Force, long Line);

/// <summary>A token embedding source: a model's own row of that token, a zero row, or a given row of a model.</summary>
public abstract record TokenEmbeddingSource;

/// <summary><c>source: MODEL</c>: the row MODEL has for the same token.</summary>
public sealed record ModelEmbeddingSource(string Model) : TokenEmbeddingSource;

/// <summary><c>source: {kind: zero}</c>: a zero row.</summary>
public sealed record ZeroEmbeddingSource : TokenEmbeddingSource;

/// <summary><c>source: {kind: model_token, model: M, token_id: N | token: T}</c>: row N (or token T's row) of M's own
/// vocabulary.</summary>
public sealed record ModelTokenEmbeddingSource(string Model, int? TokenId, string? Token) : TokenEmbeddingSource;
