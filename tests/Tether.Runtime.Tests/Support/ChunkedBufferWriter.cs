using System.Buffers;

namespace Tether.Runtime.Tests.Support;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that behaves like a pipe with tiny segments: every
/// <see cref="GetSpan"/> returns fresh memory just large enough, so nothing written but not yet
/// advanced survives into the next span.
/// </summary>
public sealed class ChunkedBufferWriter(int chunkSize) : IBufferWriter<byte>
{
    private readonly List<byte[]> _chunks = [];
    private byte[]? _current;

    public int GetSpanCalls { get; private set; }

    public void Advance(int count)
    {
        if (_current is null || count > _current.Length)
        {
            throw new InvalidOperationException("Advance past the last span.");
        }

        _chunks.Add(_current[..count]);
        _current = null;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Next(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Next(sizeHint);

    public byte[] ToArray() => _chunks.SelectMany(static c => c).ToArray();

    private byte[] Next(int sizeHint)
    {
        GetSpanCalls++;

        // Poison the abandoned span so a writer that keeps using it produces wrong bytes.
        if (_current is not null)
        {
            Array.Fill(_current, (byte)0xEE);
        }

        _current = new byte[Math.Max(sizeHint, chunkSize)];
        return _current;
    }
}
