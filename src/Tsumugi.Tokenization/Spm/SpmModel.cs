namespace Tsumugi.Tokenization.Spm;

/// <summary>
/// A SentencePiece ModelProto: pieces (id = index), trainer_spec, normalizer_spec. Read and written by
/// <see cref="SpmModelIO"/>; self_test_data and denormalizer_spec are kept verbatim in <see cref="UnknownFields"/>.
/// </summary>
public sealed class SpmModel
{
    public List<SpmPiece> Pieces { get; set; } = [];
    public SpmTrainerSpec TrainerSpec { get; set; } = new();
    public SpmNormalizerSpec NormalizerSpec { get; set; } = new();
    public byte[] UnknownFields { get; set; } = [];

    public static SpmModel Load(string path) => SpmModelIO.Read(path);
    public void Save(string path) => SpmModelIO.Write(this, path);
}
