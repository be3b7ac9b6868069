using System.Buffers;
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
public ref partial struct TetherWriter
{
    /// <summary>The deepest nesting of messages the writer accepts; deeper usually means a cycle.</summary>
    public const int MaxDepth = 256;

    private readonly IBufferWriter<byte>? _output;
    private Span<byte> _buffer;
    private int _position;
    private long _flushed;
    private int _depth;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public TetherWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Creates a writer over a fixed destination; overflowing it raises <see cref="TetherErrorCode.EncodeBufferTooSmall"/>.</summary>
    public TetherWriter(Span<byte> destination)
    {
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

    /// <summary>Hands the buffered bytes to the underlying <see cref="IBufferWriter{T}"/>. A no-op over a span.</summary>
    public void Flush()
    {
        if (_output is not null && _position > 0)
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

    private readonly ref byte Cursor => ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _position);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        if (_output is null)
        {
            throw new TetherException(TetherErrorCode.EncodeBufferTooSmall);
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
}
