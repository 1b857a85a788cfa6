namespace Tsumugi.Composition.Config;

/// <summary>
/// A mergekit parameter setting (<c>mergekit/config.py</c> <c>evaluate_setting</c>): a scalar; a gradient of numbers
/// interpolated at the layer position t; a list of non-numeric scalars picked at ⌊t·(n−1)⌋; or a list of
/// <c>{filter, value}</c> where the first entry whose filter is null, <c>*</c> or a substring of the tensor name wins.
/// Values are <see cref="double"/>, <see cref="bool"/> or <see cref="string"/>; null means "no entry matched".
/// </summary>
public abstract record ParameterSetting(long Line)
{
    public abstract object? Evaluate(string tensorName, double t);
}

public sealed record ScalarSetting(object Value, long Line) : ParameterSetting(Line)
{
    public override object? Evaluate(string tensorName, double t) => Value;
}

public sealed record GradientSetting(double[] Values, long Line) : ParameterSetting(Line)
{
    public override object? Evaluate(string tensorName, double t)
    {
        double scaled = t * (Values.Length - 1);
        int i0 = (int)scaled;
        int i1 = Math.Min(Values.Length - 1, i0 + 1);
        double frac = scaled - i0;
        return (1 - frac) * Values[i0] + frac * Values[i1];
    }
}

public sealed record ChoiceSetting(object[] Values, long Line) : ParameterSetting(Line)
{
    public override object? Evaluate(string tensorName, double t) => Values[(int)(t * (Values.Length - 1))];
}

public sealed record ConditionalSetting(IReadOnlyList<(string? Filter, ParameterSetting Value)> Conditions, long Line) : ParameterSetting(Line)
{
    public override object? Evaluate(string tensorName, double t)
    {
        foreach (var (filter, value) in Conditions)
            if (filter is null || filter == "*" || tensorName.Contains(filter, StringComparison.Ordinal))
                return value.Evaluate(tensorName, t);
        return null;
    }
}
