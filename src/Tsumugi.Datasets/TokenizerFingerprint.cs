using System.Security.Cryptography;

namespace Tsumugi.Datasets;

/// <summary>
/// The <c>tokenizer_hash</c> of manifest.json: <c>sha256:</c> + the hex digest of the tokenizer.model file. The
/// trainer compares it with the model's tokenizer to refuse data tokenized with another one.
/// </summary>
public static class TokenizerFingerprint
{
    public static string Of(string tokenizerModelFile)
    {
        using var stream = File.OpenRead(tokenizerModelFile);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
