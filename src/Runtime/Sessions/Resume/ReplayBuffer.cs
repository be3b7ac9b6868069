using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Tether.Framing;

namespace Tether.Sessions;

/// <summary>
/// The sequenced frames this side sent that the peer has not acknowledged yet, kept as whole frames (header
/// included) in pooled chunks so a resume can send them again. Frames are numbered from 1 in the order they were
/// written; an acknowledgement of <c>n</c> frees every frame up to <c>n</c>. Not thread-safe: the owner's output
/// lock guards it.
/// </summary>
/// <remarks>
/// Frames are self-describing (the header's length), so the buffer stores no per-frame index: acknowledging walks
/// headers from the oldest chunk, replaying walks them from the first frame the peer lacks.
/// </remarks>
internal sealed class ReplayBuffer : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly Queue<Chunk> _chunks = new();
    private Chunk? _tail;

    public ReplayBuffer(long maxBytes, int maxFrames)
    {
        MaxBytes = maxBytes;
        MaxFrames = maxFrames;
    }

    public long MaxBytes { get; }

    public int MaxFrames { get; }

    /// <summary>Number the next committed frame gets.</summary>
    public ulong NextSequence { get; private set; } = 1;

    /// <summary>Number of the oldest frame kept (equals <see cref="NextSequence"/> when empty).</summary>
    public ulong FirstSequence => NextSequence - (ulong)Count;

    /// <summary>Bytes of the frames kept.</summary>
    public long Bytes { get; private set; }

    /// <summary>Frames kept.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Three quarters of either bound is used: writers that can wait (one-way sends) wait here, which leaves the last
    /// quarter to the frames that cannot wait — calls, replies, stream items, cancels — themselves bounded by the
    /// pending-call and in-flight limits.
    /// </summary>
    public bool IsFull => Bytes >= MaxBytes - (MaxBytes / 4) || Count >= MaxFrames - (MaxFrames / 4);

    /// <summary>Whether keeping <paramref name="size"/> more bytes would pass either bound (an overflow when there is no link).</summary>
    public bool WouldOverflow(int size) => Bytes + size > MaxBytes || Count + 1 > MaxFrames;

    /// <summary>Returns a contiguous span for the next frame of <paramref name="size"/> bytes (header included).</summary>
    public Span<byte> Reserve(int size)
    {
        if (_tail is null || _tail.Array.Length - _tail.End < size)
        {
            _tail = new Chunk(ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, size)), NextSequence);
            _chunks.Enqueue(_tail);
        }

        return _tail.Array.AsSpan(_tail.End, size);
    }

    /// <summary>Numbers the frame written into the span <see cref="Reserve"/> returned (its header's sequence field) and keeps it; returns its number.</summary>
    public ulong Commit(int size)
    {
        Debug.Assert(_tail is not null);
        FrameHeader.WriteSequence(_tail.Array.AsSpan(_tail.End, size), NextSequence);
        _tail.End += size;
        _tail.Frames++;
        Bytes += size;
        Count++;
        return NextSequence++;
    }

    /// <summary>The bytes of the frame just committed (to copy to the link).</summary>
    public ReadOnlySpan<byte> LastCommitted(int size) => _tail!.Array.AsSpan(_tail.End - size, size);

    /// <summary>Frees every frame numbered up to <paramref name="sequence"/>; false if that is beyond what was sent.</summary>
    public bool Acknowledge(ulong sequence)
    {
        if (sequence >= NextSequence)
        {
            return false;
        }

        while (_chunks.TryPeek(out Chunk? head) && head.FirstSequence <= sequence && head.Frames > 0)
        {
            int length = FrameLength(head.Array, head.Start);
            head.Start += length;
            head.FirstSequence++;
            head.Frames--;
            Bytes -= length;
            Count--;
            if (head.Frames == 0)
            {
                _chunks.Dequeue();
                if (ReferenceEquals(head, _tail))
                {
                    _tail = null;
                }

                ArrayPool<byte>.Shared.Return(head.Array);
            }
        }

        return true;
    }

    /// <summary>Whether every frame after <paramref name="peerHas"/> is still here (a resume can fill the gap).</summary>
    public bool CanReplayAfter(ulong peerHas) => peerHas + 1 >= FirstSequence && peerHas < NextSequence;

    /// <summary>Hands each kept frame numbered after <paramref name="peerHas"/> to <paramref name="write"/>, oldest first.</summary>
    public int ReplayAfter<TState>(ulong peerHas, TState state, ReplayWriter<TState> write)
    {
        int frames = 0;
        foreach (Chunk chunk in _chunks)
        {
            ulong sequence = chunk.FirstSequence;
            int offset = chunk.Start;
            while (offset < chunk.End)
            {
                int length = FrameLength(chunk.Array, offset);
                if (sequence > peerHas)
                {
                    write(state, chunk.Array.AsSpan(offset, length));
                    frames++;
                }

                offset += length;
                sequence++;
            }
        }

        return frames;
    }

    /// <summary>Drops everything (the session ended or overflowed) and returns the memory.</summary>
    public void Dispose()
    {
        while (_chunks.TryDequeue(out Chunk? chunk))
        {
            ArrayPool<byte>.Shared.Return(chunk.Array);
        }

        _tail = null;
        Bytes = 0;
        Count = 0;
    }

    private static int FrameLength(byte[] array, int offset) =>
        FrameHeader.Size + (int)BinaryPrimitives.ReadUInt32LittleEndian(array.AsSpan(offset));

    private sealed class Chunk(byte[] array, ulong firstSequence)
    {
        public byte[] Array { get; } = array;

        public int Start { get; set; }

        public int End { get; set; }

        public int Frames { get; set; }

        public ulong FirstSequence { get; set; } = firstSequence;
    }
}

/// <summary>Receives one frame during a replay.</summary>
internal delegate void ReplayWriter<TState>(TState state, ReadOnlySpan<byte> frame);
