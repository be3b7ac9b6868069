using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Internal;

namespace Tether.Serialization;

/// <summary>
/// Writes the Tether value encoding to an <see cref="IBufferWriter{T}"/> or a fixed <see cref="Span{T}"/>.
/// Generated codecs call it; users normally go through <see cref="TetherCodec"/>.
/// </summary>
/// <remarks>
/// The writer keeps the span it was last given and only calls <see cref="IBufferWriter{T}.Advance"/>
/// when it needs a new one or on <see cref="Flush"/>, so a run of members costs one bounds check
/// (<see cref="Reserve"/>) followed by <c>Unchecked…</c> writes. Call <see cref="Flush"/> when done.
/// </remarks>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated codecs, not by users
public ref partial struct TetherWriter
{
    /// <summary>The deepest nesting of messages the writer accepts; deeper usually means a cycle.</summary>
    public const int MaxDepth = 256;

    private readonly IBufferWriter<byte>? _output;
    private readonly Span<byte> _destination;
    private Span<byte> _buffer;
    private byte[]? _spill;
    private int _spillStart;
    private int _position;
    private long _flushed;
    private int _depth;

    // 1 + the absolute position of the outermost nested-message length slot still to be patched, or 0.
    // Bytes from there on must stay in the live buffer (see GrowKeepingPending).
    private long _pendingFrom;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public TetherWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Creates a writer over a fixed destination; overflowing it raises <see cref="TetherErrorCode.EncodeBufferTooSmall"/>.</summary>
    public TetherWriter(Span<byte> destination)
    {
        _destination = destination;
        _buffer = destination;
    }

    /// <summary>Total bytes written so far, flushed or not.</summary>
    public readonly long BytesWritten => _flushed + _position;

    /// <summary>Ensures at least <paramref name="size"/> contiguous bytes are writable with <c>Unchecked…</c> calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(int size)
    {
        if (_buffer.Length - _position < size)
        {
            Grow(size);
        }
    }

    /// <summary>Hands the buffered bytes to the underlying <see cref="IBufferWriter{T}"/> (or, over a span, completes the last run).</summary>
    public void Flush()
    {
        Debug.Assert(_pendingFrom == 0, "Flush inside a nested message.");
        if (_output is null)
        {
            CommitSpill();
            return;
        }

        if (_position > 0)
        {
            _output.Advance(_position);
            _flushed += _position;
            _position = 0;
            _buffer = default;
        }
    }

    /// <summary>Returns a writable span of at least <paramref name="size"/> bytes; follow with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        Reserve(size);
        return _buffer.Slice(_position);
    }

    /// <summary>Marks <paramref name="count"/> bytes of the last <see cref="GetSpan"/> as written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count));
        }

        _position += count;
    }

    private readonly ref byte Cursor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _position);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        if (_output is null)
        {
            SpillOrFail(size);
            return;
        }

        if (_pendingFrom != 0)
        {
            GrowKeepingPending(size);
            return;
        }

        if (_position > 0)
        {
            _output.Advance(_position);
            _flushed += _position;
            _position = 0;
        }

        _buffer = _output.GetSpan(size);
        if (_buffer.Length < size)
        {
            throw new TetherException(TetherErrorCode.EncodeBufferTooSmall, $"The output returned {_buffer.Length} bytes where {size} were requested.");
        }
    }

    // Hands the output only the bytes before the outermost pending length slot, then carries the
    // pending bytes into the new span. The new span is at least twice the pending region, so a
    // large nested body is carried O(log n) times, not once per chunk. This runs only when a
    // nested message straddles a buffer boundary.
    private void GrowKeepingPending(int size)
    {
        int keepFrom = (int)(_pendingFrom - 1 - _flushed);
        int keep = _position - keepFrom;

        // Save the pending bytes before touching the output: it may recycle memory it handed out
        // but that was never advanced (a Pipe returns an empty segment's block to its
        // pool when it needs a bigger one), so the old span must not be read after GetSpan.
        byte[] saved = ArrayPool<byte>.Shared.Rent(Math.Max(keep, 1));
        _buffer.Slice(keepFrom, keep).CopyTo(saved);
        if (keepFrom > 0)
        {
            _output!.Advance(keepFrom);
            _flushed += keepFrom;
        }

        Span<byte> next = _output!.GetSpan(Math.Max(keep + size, keep * 2));
        if (next.Length < keep + size)
        {
            ArrayPool<byte>.Shared.Return(saved);
            throw new TetherException(TetherErrorCode.EncodeBufferTooSmall, $"The output returned {next.Length} bytes where {keep + size} were requested.");
        }

        saved.AsSpan(0, keep).CopyTo(next);
        ArrayPool<byte>.Shared.Return(saved);
        _buffer = next;
        _position = keep;
    }

    // Over a fixed span a run reserves its largest size, which near the end of an exactly-sized
    // destination can exceed what is left even though the actual bytes fit. Such runs are written
    // to a pooled scratch buffer and copied into place by the next Reserve or Flush.
    private void SpillOrFail(int size)
    {
        CommitSpill();
        if (_destination.Length - _position >= size)
        {
            return;
        }

        _spill = ArrayPool<byte>.Shared.Rent(size);
        _spillStart = _position;
        _flushed = _position;
        _buffer = _spill;
        _position = 0;
    }

    private void CommitSpill()
    {
        if (_spill is null)
        {
            return;
        }

        int count = _position;
        if (_destination.Length - _spillStart < count)
        {
            throw new TetherException(TetherErrorCode.EncodeBufferTooSmall);
        }

        _spill.AsSpan(0, count).CopyTo(_destination.Slice(_spillStart));
        ArrayPool<byte>.Shared.Return(_spill);
        _spill = null;
        _buffer = _destination;
        _position = _spillStart + count;
        _flushed = 0;
    }
}
