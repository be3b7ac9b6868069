using System.Buffers;

namespace Tether.Runtime.Tests.Support;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> whose every span is exactly the size asked for, followed by guard bytes that are
/// checked on the next call: a writer that stores past what it reserved (a word store past a run's end) is caught.
/// </summary>
public sealed class GuardedBufferWriter : IBufferWriter<byte>
{
    private const int Guard = 16;
    private const byte GuardByte = 0xA5;
    private readonly List<byte> _written = [];
    private byte[]? _current;
    private int _size;

    public byte[] ToArray()
    {
        CheckGuard();
        return [.. _written];
    }

    public void Advance(int count)
    {
        CheckGuard();
        if (_current is null || count > _size)
        {
            throw new InvalidOperationException("Advance past the last span.");
        }

        _written.AddRange(_current.AsSpan(0, count).ToArray());
        _current = null;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Next(sizeHint).AsMemory(0, _size);

    public Span<byte> GetSpan(int sizeHint = 0) => Next(sizeHint).AsSpan(0, _size);

    private byte[] Next(int sizeHint)
    {
        CheckGuard();
        _size = Math.Max(sizeHint, 1);
        _current = new byte[_size + Guard];
        _current.AsSpan(_size).Fill(GuardByte);
        return _current;
    }

    private void CheckGuard()
    {
        if (_current is not null && _current.AsSpan(_size).IndexOfAnyExcept(GuardByte) >= 0)
        {
            throw new InvalidOperationException($"A store went past the {_size} bytes reserved.");
        }
    }
}
