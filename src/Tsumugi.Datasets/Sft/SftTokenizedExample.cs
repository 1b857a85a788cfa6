namespace Tsumugi.Datasets.Sft;

/// <summary>An example as token ids and, per token, whether the loss is taken on it (it is predicted from the tokens before it).</summary>
public sealed record SftTokenizedExample(int[] Ids, bool[] Trained)
{
    public int Length => Ids.Length;
}
