using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Composition.Tokenizers;

/// <summary>
/// The output vocabulary of a merge that names a tokenizer (<c>tokenizer_source</c> or a <c>tokenizer:</c> section) and,
/// for every input model, which row of its embedding matrices (embed_tokens, lm_head) each output token takes — mergekit's
/// <c>build_tokenizer</c> permutations, matched by piece string. <see cref="Fill"/> then lays each input's matrix out in
/// the output vocabulary, giving the rows a model lacks mergekit's default (<c>PermutedEmbeddings</c>), after which the
/// merge method runs on the rows as on any tensor: nothing is masked.
/// </summary>
public sealed class VocabularyRemap
{
    readonly Dictionary<ModelSource, int[]> _rows;
    readonly Dictionary<ModelSource, Dictionary<string, int>> _vocabularies;
    readonly Dictionary<ModelSource, int> _vocabRows;
    readonly TokenEmbeddingSetting?[] _settings;
    readonly string _configPath;

    /// <summary>The output tokenizer.</summary>
    public SpmModel Tokenizer { get; }
    /// <summary>Rows of the output embedding matrices: the tokenizer's pieces rounded up to pad_to_multiple_of.</summary>
    public int Rows { get; }
    /// <summary>The model whose tokenizer files the output takes unchanged (nothing added, nothing stripped); null when
    /// the output tokenizer is new and is written from <see cref="Tokenizer"/>.</summary>
    public ModelSource? CopiedFrom { get; }

    VocabularyRemap(SpmModel tokenizer, int rows, ModelSource? copiedFrom, Dictionary<ModelSource, int[]> permutations,
        Dictionary<ModelSource, Dictionary<string, int>> vocabularies, Dictionary<ModelSource, int> vocabRows, TokenEmbeddingSetting?[] settings, string configPath)
    {
        Tokenizer = tokenizer;
        Rows = rows;
        CopiedFrom = copiedFrom;
        _rows = permutations;
        _vocabularies = vocabularies;
        _vocabRows = vocabRows;
        _settings = settings;
        _configPath = configPath;
    }

    /// <summary>embed_tokens and lm_head: the tensors whose rows are tokens (mergekit's <c>is_embed</c> weights).</summary>
    public static bool IsEmbedding(string tensorName) =>
        tensorName.Contains("embed_tokens", StringComparison.Ordinal) || tensorName.Contains("lm_head", StringComparison.Ordinal);

    /// <summary>The embedding rows <paramref name="model"/> has (config.json vocab_size; pieces past it are unused).</summary>
    public int VocabRows(ModelSource model) => _vocabRows[model];

    /// <summary>For each output token id, the row <paramref name="model"/> holds for it, or −1 when it lacks the token.</summary>
    public IReadOnlyList<int> RowsOf(ModelSource model) => _rows[model];

    /// <summary>
    /// Builds the output vocabulary. <c>base</c>: the base model's tokenizer, pieces past its vocab_size dropped (mergekit's
    /// stripped tokenizer); a model reference: that tokenizer as is; <c>union</c>: the base's pieces in id order, then each
    /// other model's missing pieces in config order and id order, each keeping its score and type (SentencePiece has no
    /// separate added-token list, so special pieces are appended in the same pass). Tokens named under
    /// <c>tokenizer.tokens</c> and still missing are appended as user-defined pieces.
    /// </summary>
    public static VocabularyRemap Build(MergeConfig config, TokenizerSettings settings, IReadOnlyList<ModelSource> models, ModelSource baseModel)
    {
        var tokenizers = models.ToDictionary(m => m, m => LoadTokenizer(config, m.Reference, m.Directory));
        var vocabRows = models.ToDictionary(m => m, m => VocabSize(m, tokenizers[m]));
        var vocabularies = models.ToDictionary(m => m, m =>
        {
            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            var pieces = tokenizers[m].Pieces;
            for (int id = 0; id < Math.Min(pieces.Count, vocabRows[m]); id++) vocabulary.TryAdd(pieces[id].Piece, id);
            return vocabulary;
        });

        SpmModel output;
        ModelSource? origin;
        switch (settings.Source)
        {
            case "base":
                origin = baseModel;
                output = Prefix(tokenizers[baseModel], vocabRows[baseModel]);
                break;
            case "union":
                origin = baseModel;
                output = Union(config, baseModel, models, tokenizers, vocabRows);
                break;
            default:
                origin = models.FirstOrDefault(m => m.Reference == settings.Source);
                output = origin is null
                    ? Clone(LoadTokenizer(config, settings.Source, Path.GetFullPath(settings.Source)))
                    : Clone(tokenizers[origin]);
                break;
        }
        var present = new HashSet<string>(output.Pieces.Select(p => p.Piece), StringComparer.Ordinal);
        foreach (var token in settings.Tokens.Keys)
            if (present.Add(token)) output.Pieces.Add(new SpmPiece(token, 0, PieceType.UserDefined));
        if (origin is not null && output.Pieces.Count != tokenizers[origin].Pieces.Count) origin = null;

        int count = output.Pieces.Count;
        int rows = settings.PadToMultipleOf is int pad && count % pad != 0 ? (count / pad + 1) * pad : count;
        var permutations = models.ToDictionary(m => m, m =>
        {
            var map = new int[count];
            for (int u = 0; u < count; u++) map[u] = vocabularies[m].TryGetValue(output.Pieces[u].Piece, out int row) ? row : -1;
            return map;
        });
        var tokenSettings = new TokenEmbeddingSetting?[count];
        for (int u = 0; u < count; u++) tokenSettings[u] = settings.Tokens.GetValueOrDefault(output.Pieces[u].Piece);
        foreach (var (token, setting) in settings.Tokens)
            CheckSource(config, token, setting, models, vocabularies);
        return new VocabularyRemap(output, rows, origin, permutations, vocabularies, vocabRows, tokenSettings, config.Path);
    }

    static SpmModel LoadTokenizer(MergeConfig config, string reference, string directory)
    {
        if (!File.Exists(Path.Combine(directory, "tokenizer.model")) && !File.Exists(Path.Combine(directory, "tokenizer.json")))
            throw new ConfigException($"{config.Path}: model '{reference}' has no tokenizer.model or tokenizer.json in {directory}; a merge that names a tokenizer maps every model's embedding rows by its tokens, so each model needs its tokenizer.");
        try { return TokenizerDirectory.LoadSentencePiece(directory).Model; }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or FormatException or System.Text.Json.JsonException)
        {
            throw new ConfigException($"{config.Path}: model '{reference}': its tokenizer cannot be read ({e.Message}); merging with a tokenizer needs SentencePiece tokenizers (tokenizer.model, or tokenizer.json of one).");
        }
    }

    static int VocabSize(ModelSource model, SpmModel tokenizer)
    {
        var node = model.Config["vocab_size"];
        if (node is null) return tokenizer.Pieces.Count;
        int size = node.GetValue<int>();
        if (size <= 0)
            throw new CheckpointException($"model '{model.Reference}': config.json vocab_size {size} is not positive.");
        return size;
    }

    static SpmModel Clone(SpmModel model) => SpmModelIO.Parse(SpmModelIO.Serialize(model));

    static SpmModel Prefix(SpmModel model, int count)
    {
        var copy = Clone(model);
        if (copy.Pieces.Count > count) copy.Pieces.RemoveRange(count, copy.Pieces.Count - count);
        return copy;
    }

    static SpmModel Union(MergeConfig config, ModelSource baseModel, IReadOnlyList<ModelSource> models,
        Dictionary<ModelSource, SpmModel> tokenizers, Dictionary<ModelSource, int> vocabRows)
    {
        var output = Prefix(tokenizers[baseModel], vocabRows[baseModel]);
        var type = output.TrainerSpec.ModelType;
        var present = new HashSet<string>(output.Pieces.Select(p => p.Piece), StringComparer.Ordinal);
        foreach (var model in models.Where(m => m != baseModel))
        {
            var tokenizer = tokenizers[model];
            if (tokenizer.TrainerSpec.ModelType != type)
                throw new ConfigException($"{config.Path}: tokenizer union: model '{model.Reference}' has a {tokenizer.TrainerSpec.ModelType} tokenizer but '{baseModel.Reference}' a {type} one; a union of SentencePiece vocabularies needs one model type — pick one tokenizer with tokenizer_source: MODEL instead.");
            for (int id = 0; id < Math.Min(tokenizer.Pieces.Count, vocabRows[model]); id++)
                if (present.Add(tokenizer.Pieces[id].Piece)) output.Pieces.Add(tokenizer.Pieces[id]);
        }
        return output;
    }

    static void CheckSource(MergeConfig config, string token, TokenEmbeddingSetting setting, IReadOnlyList<ModelSource> models,
        Dictionary<ModelSource, Dictionary<string, int>> vocabularies)
    {
        string? reference = setting.Source switch { ModelEmbeddingSource s => s.Model, ModelTokenEmbeddingSource s => s.Model, _ => null };
        if (reference is null) return;
        var model = models.FirstOrDefault(m => m.Reference == reference)
            ?? throw new ConfigException($"{config.Path}:{setting.Line}: tokens '{token}': source model '{reference}' is not one of the merged models.");
        if (setting.Source is ModelEmbeddingSource && !vocabularies[model].ContainsKey(token))
            throw new ConfigException($"{config.Path}:{setting.Line}: tokens '{token}': model '{reference}' has no such token; name another model or use {{kind: model_token, model, token_id}}.");
        if (setting.Source is ModelTokenEmbeddingSource { Token: { } text } && !vocabularies[model].ContainsKey(text))
            throw new ConfigException($"{config.Path}:{setting.Line}: tokens '{token}': model '{reference}' has no token '{text}'.");
    }

    /// <summary>
    /// Lays each input's embedding matrix out in the output vocabulary, in place. On entry <paramref name="buffers"/>[k]
    /// holds input k's matrix as read (<see cref="VocabRows"/> rows × <paramref name="width"/>); on return
    /// <see cref="Rows"/> rows. A token model k has takes k's row (unless <c>force</c>); a token it lacks takes the default:
    /// the <c>tokens</c> setting if any, else the row of the only model that has it, a zero row when none has, the base
    /// model's row when it has it, else the mean of the rows of the models that have it. Padding rows are the mean of the
    /// model's rows (mergekit, after Hewitt's vocabulary expansion note). <paramref name="scratch"/> (one buffer as long as
    /// the largest) holds a copy of the matrix being permuted; the default rows take one row per token some model lacks.
    /// </summary>
    public void Fill(string tensorName, IReadOnlyList<ModelSource> inputs, int baseIndex, float[][] buffers, int width, float[] scratch)
    {
        int count = Tokenizer.Pieces.Count;
        var maps = inputs.Select(m => _rows[m]).ToArray();
        var slot = new int[count];
        int defaults = 0;
        for (int u = 0; u < count; u++)
        {
            bool needs = _settings[u] is { Force: true } || maps.Any(map => map[u] < 0);
            slot[u] = needs ? defaults++ : -1;
        }
        var defaultRows = new float[(long)defaults * width];
        for (int u = 0; u < count; u++)
            if (slot[u] >= 0) DefaultRow(tensorName, u, inputs, baseIndex, maps, buffers, width, defaultRows.AsSpan(slot[u] * width, width));

        for (int k = 0; k < inputs.Count; k++)
        {
            var map = maps[k];
            var buffer = buffers[k];
            bool identity = defaults == 0 && VocabRows(inputs[k]) >= count;
            for (int u = 0; identity && u < count; u++) identity = map[u] == u;
            if (!identity)
            {
                Array.Copy(buffer, scratch, (long)VocabRows(inputs[k]) * width);
                for (int u = 0; u < count; u++)
                {
                    var from = slot[u] >= 0 && (map[u] < 0 || _settings[u] is { Force: true })
                        ? defaultRows.AsSpan(slot[u] * width, width)
                        : scratch.AsSpan(map[u] * width, width);
                    from.CopyTo(buffer.AsSpan(u * width, width));
                }
            }
            if (Rows > count)
            {
                var mean = scratch.AsSpan(0, width);
                mean.Clear();
                for (int u = 0; u < count; u++) System.Numerics.Tensors.TensorPrimitives.Add(mean, buffer.AsSpan(u * width, width), mean);
                System.Numerics.Tensors.TensorPrimitives.Divide(mean, count, mean);
                for (int u = count; u < Rows; u++) mean.CopyTo(buffer.AsSpan(u * width, width));
            }
        }
    }

    void DefaultRow(string tensorName, int u, IReadOnlyList<ModelSource> inputs, int baseIndex, int[][] maps, float[][] buffers, int width, Span<float> row)
    {
        row.Clear();
        if (_settings[u] is { } setting)
        {
            switch (setting.Source)
            {
                case ZeroEmbeddingSource:
                    return;
                case ModelEmbeddingSource s:
                {
                    int k = InputOf(s.Model, setting);
                    buffers[k].AsSpan(maps[k][u] * width, width).CopyTo(row);
                    return;
                }
                case ModelTokenEmbeddingSource s:
                {
                    int k = InputOf(s.Model, setting);
                    int id = s.TokenId ?? _vocabularies[inputs[k]][s.Token!];
                    if (id >= VocabRows(inputs[k]))
                        throw new ConfigException($"{_configPath}:{setting.Line}: tokens '{Tokenizer.Pieces[u].Piece}': token_id {id} is past model '{s.Model}''s {VocabRows(inputs[k])} rows.");
                    buffers[k].AsSpan(id * width, width).CopyTo(row);
                    return;
                }
            }
        }
        var present = Enumerable.Range(0, inputs.Count).Where(k => maps[k][u] >= 0).ToList();
        if (present.Count == 0) return; // a token no model has (an added one): zero
        if (present.Count == 1) { buffers[present[0]].AsSpan(maps[present[0]][u] * width, width).CopyTo(row); return; }
        if (baseIndex >= 0 && maps[baseIndex][u] >= 0) { buffers[baseIndex].AsSpan(maps[baseIndex][u] * width, width).CopyTo(row); return; }
        foreach (int k in present) System.Numerics.Tensors.TensorPrimitives.Add(row, buffers[k].AsSpan(maps[k][u] * width, width), row);
        System.Numerics.Tensors.TensorPrimitives.Divide(row, present.Count, row);

        int InputOf(string reference, TokenEmbeddingSetting s)
        {
            for (int k = 0; k < inputs.Count; k++) if (inputs[k].Reference == reference) return k;
            throw new ConfigException($"{_configPath}:{s.Line}: tokens '{Tokenizer.Pieces[u].Piece}': source model '{reference}' is not an input of tensor '{tensorName}'.");
        }
    }
}
