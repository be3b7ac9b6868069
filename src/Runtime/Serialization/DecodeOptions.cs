using Tether.Serialization;

namespace Tether;

/// <summary>Limits applied while decoding untrusted input.</summary>
public sealed record DecodeOptions
{
    /// <summary>The options used when none are given.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>How many levels of nested messages below the top-level one a decoder accepts.</summary>
    /// <remarks>Defaults to 64. Must be between 0 and <see cref="TetherWriter.MaxDepth"/>.</remarks>
    public int MaxDepth
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TetherWriter.MaxDepth);
            field = value;
        }
    } = 64;
}
