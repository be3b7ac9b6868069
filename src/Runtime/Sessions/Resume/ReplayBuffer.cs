using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Tether.Framing;

namespace Tether.Sessions;

/// <summary>
/// The sequenced frames this side sent that the peer has not acknowledged yet, kept as whole frames (header
/// included) in chunks rented from the connection's memory pool (so a buffer that fills and drains all day allocates
/// nothing) so a resume can send them again. Chunks start at the pool's smallest block and grow to its largest while
/// frames outpace acknowledgements: a session with little in flight holds little. Frames are numbered from 1 in the order they were
/// written; an acknowledgement of <c>n</c> frees every frame up to <c>n</c>. Not thread-safe: the owner's output
/// lock guards it.
/// </summary>
/// <remarks>
/// Frames are self-describing (the header's length), so the buffer stores no per-frame index. Acknowledging drops
/// whole chunks without reading them and walks headers only in the one chunk the acknowledgement ends in: walking
/// every acknowledged header read cold memory (a megabyte between acknowledgements) and cost more than the
/// sequencing itself. Replaying walks the kept frames and skips those the peer has.
/// </remarks>
internal sealed class ReplayBuffer : IDisposable
{
    /// <summary>Largest chunk of a link's buffer: the pool's largest blocks.</summary>
    public const int DefaultChunkSize = 64 * 1024;

    /// <summary>
    /// The first chunk after the buffer was empty: the pool's smallest blocks. A session with a call or two unacknowledged
    /// at a time (most of them, when thousands are connected) then holds 1 KiB between acknowledgements, not 64 KiB: at
    /// 10,000 busy connections the 64 KiB chunks overflowed the pool's tier and each was allocated and dropped again.
    /// </summary>
    public const int SmallestChunkSize = 1024;

    private readonly int _chunkSize;
    private int _nextChunkSize; // the smallest after the buffer was empty; the largest once a chunk filled unacknowledged

    private readonly MemoryPool<byte> _pool;
    private Chunk? _head; // oldest first, chained through Next (a queue object per session cost 40 B idle)
    private Chunk? _tail;
    private Chunk? _spare; // a returned chunk's object (its memory went back to the pool), for the next rent

    private long _bytesSinceAckRequest;
    private int _framesSinceAckRequest;

    public ReplayBuffer(MemoryPool<byte> pool, long maxBytes, int maxFrames, int chunkSize = DefaultChunkSize)
    {
        _pool = pool;
        _chunkSize = chunkSize;
        _nextChunkSize = Math.Min(SmallestChunkSize, chunkSize);
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

    /// <summary>Numbers the next frame <paramref name="next"/> (a recovered session; the buffer must be empty).</summary>
    public void StartAt(ulong next)
    {
        Debug.Assert(Count == 0);
        NextSequence = next;
    }

    /// <summary>
    /// Returns a contiguous span for the next frame of <paramref name="size"/> bytes (header included), followed by the
    /// chunk's free space: scratch the writer may use (<see cref="Commit"/> keeps only the frame).
    /// </summary>
    public Span<byte> Reserve(int size)
    {
        if (_tail is null || _tail.Array.Length - _tail.End < size)
        {
            if (_tail is not null && _tail.End - _tail.Start > _tail.Array.Length / 2)
            {
                // A chunk filled before most of its frames were acknowledged: the traffic needs the big ones, as before.
                // One whose frames were mostly acknowledged as it filled (a quiet session whose acknowledgements ride with
                // its next frames, so one frame is always outstanding) is followed by another small one.
                _nextChunkSize = _chunkSize;
            }

            Chunk chunk = Chunk.Rent(_pool, Math.Max(_nextChunkSize, size), NextSequence, _spare);
            _spare = null;
            if (_tail is null)
            {
                _head = chunk;
            }
            else
            {
                _tail.Next = chunk;
            }

            _tail = chunk;
        }

        return _tail.Array.AsSpan(_tail.End);
    }

    /// <summary>
    /// Numbers the frame written into the span <see cref="Reserve"/> returned (its header's sequence field) and keeps
    /// it; returns its number. Every eighth of either bound, the frame also asks the peer for an acknowledgement
    /// (<see cref="FrameFlags.AckRequested"/>), so the buffer is freed well before writers would wait at three quarters.
    /// </summary>
    public ulong Commit(int size)
    {
        Debug.Assert(_tail is not null);
        Span<byte> frame = _tail.Array.AsSpan(_tail.End, size);
        FrameHeader.WriteSequence(frame, NextSequence);
        _bytesSinceAckRequest += size;
        if (++_framesSinceAckRequest >= Math.Max(1, MaxFrames / 8) || _bytesSinceAckRequest >= Math.Max(1, MaxBytes / 8))
        {
            _framesSinceAckRequest = 0;
            _bytesSinceAckRequest = 0;
            FrameHeader.RequestAck(frame);
        }

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

        // Whole chunks first, unread.
        while (_head is { } head && head.Frames > 0 && sequence >= head.FirstSequence + (ulong)head.Frames - 1)
        {
            _head = head.Next;
            Bytes -= head.End - head.Start;
            Count -= head.Frames;
            if (ReferenceEquals(head, _tail))
            {
                _tail = null;
            }

            head.Return();
            _spare = head;
            if (_head is null)
            {
                _nextChunkSize = Math.Min(SmallestChunkSize, _chunkSize);
            }
        }

        // Then the frames of the chunk the acknowledgement ends in.
        if (_head is { } partial)
        {
            while (partial.FirstSequence <= sequence)
            {
                int length = FrameLength(partial.Array, partial.Start);
                partial.Start += length;
                partial.FirstSequence++;
                partial.Frames--;
                Bytes -= length;
                Count--;
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
        for (Chunk? chunk = _head; chunk is not null; chunk = chunk.Next)
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
        while (_head is { } chunk)
        {
            _head = chunk.Next;
            chunk.Return();
        }

        _tail = null;
        Bytes = 0;
        Count = 0;
    }

    private static int FrameLength(ReadOnlySpan<byte> chunk, int offset) =>
        FrameHeader.Size + (int)BinaryPrimitives.ReadUInt32LittleEndian(chunk.Slice(offset));

    /// <summary>
    /// One rented block; its array is cached so the per-frame path indexes an array, not a <see cref="Memory{T}"/>.
    /// The object outlives its block: a buffer that empties and fills again (a kept call stream's, once per call)
    /// takes its last returned chunk object for the next block instead of allocating one.
    /// </summary>
    private sealed class Chunk
    {
        private IMemoryOwner<byte>? _owner;

        /// <summary>
        /// A block of the pool (the tiered pool's blocks are whole arrays); a plain array if the pool's blocks are not
        /// arrays. <paramref name="reuse"/>, a returned chunk, is filled in instead of a new object.
        /// </summary>
        public static Chunk Rent(MemoryPool<byte> pool, int size, ulong firstSequence, Chunk? reuse)
        {
            IMemoryOwner<byte> owner = pool.Rent(size);
            IMemoryOwner<byte>? kept = owner;
            byte[] array;
            if (MemoryMarshal.TryGetArray(owner.Memory, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count >= size)
            {
                array = segment.Array!;
            }
            else
            {
                owner.Dispose();
                kept = null;
                array = new byte[size];
            }

            Chunk chunk = reuse ?? new Chunk();
            chunk.Set(kept, array);
            chunk.FirstSequence = firstSequence;
            return chunk;
        }

        public byte[] Array { get; private set; } = [];

        /// <summary>The next newer chunk.</summary>
        public Chunk? Next { get; set; }

        /// <summary>Gives the block back; the object may then be rented again.</summary>
        public void Return()
        {
            _owner?.Dispose();
            _owner = null;
            Array = [];
            Next = null;
        }

        private void Set(IMemoryOwner<byte>? owner, byte[] array)
        {
            _owner = owner;
            Array = array;
            Start = 0;
            End = 0;
            Frames = 0;
        }

        /// <summary>Offset of the oldest frame not acknowledged yet.</summary>
        public int Start { get; set; }

        public int End { get; set; }

        public int Frames { get; set; }

        /// <summary>Number of the frame at <see cref="Start"/>.</summary>
        public ulong FirstSequence { get; set; }
    }
}

/// <summary>Receives one frame during a replay.</summary>
internal delegate void ReplayWriter<TState>(TState state, ReadOnlySpan<byte> frame);
