namespace Tsumugi.Composition.Moe;

/// <summary>What an MoE assembly (upcycle, BTX, mergekit-moe) wrote.</summary>
/// <param name="PeakBufferBytes">Float32 buffers held while streaming: two tensors' worth of the largest tensor.</param>
public sealed record MoeResult(string Directory, int Layers, int Experts, int Tensors, long Bytes, long PeakBufferBytes);
