using CommunityToolkit.HighPerformance.Buffers;
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

    /// <summary>
    /// Where decoded strings of up to 256 bytes are looked up before one is allocated, or null (the default) to
    /// allocate every string. A protocol that repeats a small set of values (symbols, names, keys) then decodes each
    /// value once: the same text read again returns the pooled instance. The pool is bounded (it evicts); pass
    /// <see cref="StringPool.Shared"/> or one sized for the values expected. Values of up to 16 ASCII bytes seen before
    /// are found in a small lock-free table kept per pool before anything is transcoded, so a pooled decode of a repeated
    /// short value costs less than allocating it.
    /// </summary>
    public StringPool? StringPool
    {
        get => Strings?.Pool;
        init => Strings = value is null ? null : PooledStrings.For(value);
    }

    /// <summary>The decode side of <see cref="StringPool"/>: its table of recent values in front of the pool.</summary>
    internal PooledStrings? Strings { get; private init; }
}
