namespace Tsumugi.Training.Config;

/// <summary>
/// <c>model.dtype</c>: the parameters' dtype. Named so that the YAML spelling is the snake_case of the member
/// (<c>float32</c>, <c>bfloat16</c>), as everywhere else in the config.
/// </summary>
public enum ParameterDtype
{
    Float32,

    /// <summary>bf16 weights and activations with fp32 master weights and moments kept by the optimizer.</summary>
    Bfloat16,
}
