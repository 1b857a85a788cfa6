namespace Tsumugi.Training.Btm;

/// <summary>How <c>tsumugi btm</c> combines its trained experts (<c>combine.method</c>).</summary>
public enum BtmCombineMethod
{
    /// <summary>One model by a mergekit merge (parameter averaging, task arithmetic, TIES, …) into OUTPUT/model.</summary>
    Merge,

    /// <summary>The BTM ensemble (posterior-weighted mixture of the experts' next-token distributions) into OUTPUT/ensemble.</summary>
    Ensemble,

    /// <summary>Branch-Train-MiX: the experts' FFNs as the experts of one MoE model.</summary>
    Btx,
}
