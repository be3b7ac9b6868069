using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Internal;

namespace Tether.Serialization;

/// <summary>
/// Reads the Tether value encoding from a <see cref="ReadOnlySequence{T}"/> (across segment boundaries)
/// or a span. Every failure is a <see cref="TetherDecodeException"/>; no length is trusted before the
/// bytes it claims have been seen, so hostile input cannot make it allocate more than it received.
/// </summary>
/// <remarks>
/// Each read has a fast path over the current segment and a slow path that crosses segments.
/// Generated codecs check once with <see cref="HasContiguous"/> for a run of bounded members and then
/// use the <c>Unchecked…</c> reads. An unchecked fixed-width read needs all of its bytes contiguous;
/// an unchecked varint read needs only its first byte (its multi-byte path checks the segment itself).
/// </remarks>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated codecs, not by users
public ref partial struct TetherReader
{
    private readonly ReadOnlySequence<byte> _sequence;
    private readonly bool _multiSegment;
    private readonly long _length;
    private readonly int _maxDepth;
    private readonly PooledStrings? _strings;
    private SequencePosition _nextSegment;
    private ReadOnlySpan<byte> _span;
    private int _index;
    private long _spanStart;
    private long _limit;
    private int _depth;

    /// <summary>Creates a reader over a whole sequence (one top-level message).</summary>
    public TetherReader(ReadOnlySequence<byte> sequence, DecodeOptions? options = null)
    {
        _sequence = sequence;
        _length = sequence.Length;
        _limit = _length;
        _maxDepth = (options ?? DecodeOptions.Default).MaxDepth;
        _strings = options?.Strings;
        if (sequence.IsSingleSegment)
        {
            _span = sequence.FirstSpan;
        }
        else
        {
            _multiSegment = true;
            _nextSegment = sequence.Start;
            _span = default;
            LoadNextSegment();
            _spanStart = 0;
        }
    }

    /// <summary>Creates a reader over a span (one top-level message).</summary>
    public TetherReader(ReadOnlySpan<byte> span, DecodeOptions? options = null)
    {
        _span = span;
        _length = span.Length;
        _limit = _length;
        _maxDepth = (options ?? DecodeOptions.Default).MaxDepth;
        _strings = options?.Strings;
    }

    /// <summary>Bytes consumed from the start of the input.</summary>
    public readonly long Consumed => _spanStart + _index;

    /// <summary>Total length of the input.</summary>
    public readonly long Length => _length;

    /// <summary>Bytes left in the message body currently being read (never negative).</summary>
    public readonly long RemainingInMessage => Math.Max(0, _limit - Consumed);

    /// <summary>Current nesting depth (0 while reading the top-level message).</summary>
    public readonly int Depth => _depth;

    /// <summary>Whether <paramref name="count"/> bytes can be read from the current segment without further checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool HasContiguous(int count) => _span.Length - _index >= count;

    private readonly ref byte Cursor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _index);
    }

    /// <summary>Skips the rest of the current message body: members written by a newer version that this one does not know.</summary>
    public void SkipUnknownMembers()
    {
        long remaining = _limit - Consumed;
        if (remaining > 0)
        {
            Skip(remaining);
        }
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(long count)
    {
        while (count > 0)
        {
            int available = _span.Length - _index;
            if (available == 0)
            {
                if (!LoadNextSegment())
                {
                    ThrowHelper.ThrowDecode(TetherErrorCode.DecodeTruncated, Consumed);
                }

                continue;
            }

            int step = (int)Math.Min(available, count);
            _index += step;
            count -= step;
        }
    }

    /// <summary>Throws the decode error <paramref name="code"/> at the current position.</summary>
    public readonly void Fail(TetherErrorCode code) => ThrowHelper.ThrowDecode(code, Consumed);

    /// <summary>
    /// The error for a message whose own constructor or accessors rejected the decoded values: a
    /// <see cref="TetherErrorCode.DecodeInvalidValue"/> carrying that failure, so bad input still
    /// surfaces as the one decode error type.
    /// </summary>
    public readonly TetherDecodeException ConstructionFailed(Exception exception) =>
        new(TetherErrorCode.DecodeInvalidValue, Consumed, exception);

    private bool LoadNextSegment()
    {
        _spanStart += _span.Length;
        _index = 0;
        _span = default;
        if (_multiSegment)
        {
            while (_sequence.TryGet(ref _nextSegment, out ReadOnlyMemory<byte> memory))
            {
                if (!memory.IsEmpty)
                {
                    _span = memory.Span;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes, crossing segments as needed.</summary>
    private void ReadExact(scoped Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int available = _span.Length - _index;
            if (available == 0)
            {
                if (!LoadNextSegment())
                {
                    ThrowHelper.ThrowDecode(TetherErrorCode.DecodeTruncated, Consumed);
                }

                continue;
            }

            int step = Math.Min(available, destination.Length);
            _span.Slice(_index, step).CopyTo(destination);
            _index += step;
            destination = destination.Slice(step);
        }
    }
}
