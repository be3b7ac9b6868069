using Tether.Framing;
using Tether.Sessions;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>The replay buffer's bookkeeping: numbering, whole-chunk release on acknowledgement, replay of what the peer lacks.</summary>
public sealed class ReplayBufferTests
{
    private const int FrameSize = FrameHeader.Size + 100;

    [Fact]
    public void Acknowledging_frees_exactly_what_was_acknowledged_and_replay_sends_the_rest_in_order()
    {
        using var pool = new TieredMemoryPool();
        using var replay = new ReplayBuffer(pool, maxBytes: 8 << 20, maxFrames: 1 << 20);
        const int Frames = 2_000; // ~232 KB: four 64 KiB chunks
        for (int i = 1; i <= Frames; i++)
        {
            Append(replay, i);
        }

        Assert.Equal(Frames, replay.Count);
        Assert.Equal((ulong)Frames + 1, replay.NextSequence);

        // 64 KiB holds 564 frames of 116 bytes: acknowledging 600 drops the first chunk whole and 36 frames of the second.
        Assert.True(replay.Acknowledge(600));
        Assert.Equal(Frames - 600, replay.Count);
        Assert.Equal((long)(Frames - 600) * FrameSize, replay.Bytes);
        Assert.Equal(601UL, replay.FirstSequence);
        Assert.True(replay.CanReplayAfter(600));
        Assert.False(replay.CanReplayAfter(599)); // frame 600 is gone

        var replayed = new List<long>();
        int count = replay.ReplayAfter(600UL, replayed, static (list, frame) => list.Add(BitConverter.ToInt64(frame.Slice(FrameHeader.Size, 8))));
        Assert.Equal(Frames - 600, count);
        Assert.Equal(Enumerable.Range(601, Frames - 600).Select(i => (long)i), replayed);

        Assert.True(replay.Acknowledge(Frames));
        Assert.Equal(0, replay.Count);
        Assert.Equal(0, replay.Bytes);
        Assert.False(replay.Acknowledge(Frames + 1)); // never sent
    }

    [Fact]
    public void Every_eighth_of_a_bound_a_frame_asks_for_an_acknowledgement()
    {
        using var pool = new TieredMemoryPool();
        using var replay = new ReplayBuffer(pool, maxBytes: 8 << 20, maxFrames: 64);
        var asking = new List<int>();
        for (int i = 1; i <= 40; i++)
        {
            if ((Append(replay, i) & FrameFlags.AckRequested) != 0)
            {
                asking.Add(i);
            }
        }

        Assert.Equal([8, 16, 24, 32, 40], asking);
    }

    /// <summary>
    /// A kept call stream's buffer: 1 KiB chunks, emptied by every answer. Each refill reuses the returned chunk's
    /// object (no allocation) with a fresh block, numbered on from where it was, a frame larger than a chunk included.
    /// </summary>
    [Fact]
    public void A_buffer_emptied_and_refilled_reuses_its_chunk_without_allocating_and_keeps_numbering()
    {
        using var pool = new TieredMemoryPool();
        using var replay = new ReplayBuffer(pool, maxBytes: 8 << 20, maxFrames: 1 << 20, chunkSize: 1024);
        Append(replay, 1);
        Assert.True(replay.Acknowledge(1)); // warm: the first chunk object exists now

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 2; call <= 1_001; call++)
        {
            Append(replay, call);
            Assert.True(replay.Acknowledge((ulong)call));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, replay.Count);
        Assert.Equal(1_002UL, replay.NextSequence);

        // Two frames in the reused chunk, then one larger than a chunk (a block of its own), all kept and replayed.
        Append(replay, 1_002);
        Append(replay, 1_003);
        Span<byte> large = replay.Reserve(FrameHeader.Size + 4_000);
        new FrameHeader(4_000, FrameType.Message, FrameFlags.None, 0, 40).Write(large);
        BitConverter.TryWriteBytes(large.Slice(FrameHeader.Size), 1_004L);
        replay.Commit(FrameHeader.Size + 4_000);
        var replayed = new List<long>();
        Assert.Equal(3, replay.ReplayAfter(1_001UL, replayed, static (list, frame) => list.Add(BitConverter.ToInt64(frame.Slice(FrameHeader.Size, 8)))));
        Assert.Equal([1_002L, 1_003L, 1_004L], replayed);
        Assert.True(replay.Acknowledge(1_004));
        Assert.Equal(0, replay.Bytes);
    }

    /// <summary>
    /// A session with a call or two unacknowledged holds one 1 KiB block; a buffer whose frames outpace the
    /// acknowledgements takes 64 KiB chunks from its second on, and starts small again each time it empties.
    /// </summary>
    [Fact]
    public void Chunks_start_small_grow_while_frames_outpace_acknowledgements_and_start_small_again_when_emptied()
    {
        using var pool = new TieredMemoryPool();
        using var replay = new ReplayBuffer(pool, maxBytes: 8 << 20, maxFrames: 1 << 20);
        long value = 1;
        Append(replay, value++);
        Append(replay, value++);
        Assert.Equal([1024], RentedBlockSizes(pool));

        while (replay.Bytes <= 1024 + (64 * 1024))
        {
            Append(replay, value++);
        }

        Assert.Equal([1024, 64 * 1024, 64 * 1024], RentedBlockSizes(pool));
        Assert.True(replay.Acknowledge(replay.NextSequence - 2)); // the last frame stays: so does its chunk
        Assert.Equal([64 * 1024], RentedBlockSizes(pool));
        Append(replay, value++);
        Assert.Equal([64 * 1024], RentedBlockSizes(pool));

        Assert.True(replay.Acknowledge(replay.NextSequence - 1));
        Assert.Empty(RentedBlockSizes(pool));
        Append(replay, value);
        Assert.Equal([1024], RentedBlockSizes(pool));
    }

    [Fact]
    public void A_small_chunk_whose_frames_were_acknowledged_as_it_filled_is_followed_by_another_small_one()
    {
        // A quiet session whose acknowledgements ride with its next frames: each acknowledgement leaves the newest frame
        // outstanding, so a chunk is never emptied as it fills (1 KiB holds 8 of these frames; 40 go through).
        using var pool = new TieredMemoryPool();
        using var replay = new ReplayBuffer(pool, maxBytes: 8 << 20, maxFrames: 1 << 20);
        for (long value = 1; value <= 40; value++)
        {
            Append(replay, value);
            Assert.True(replay.Acknowledge(replay.NextSequence - 2));
            int[] rented = RentedBlockSizes(pool);
            Assert.All(rented, static size => Assert.Equal(1024, size));
            Assert.InRange(rented.Length, 1, 2);
        }

        Assert.Equal(1, replay.Count);
    }

    private static int[] RentedBlockSizes(TieredMemoryPool pool) =>
        [.. pool.GetStatistics().Tiers.SelectMany(static tier => Enumerable.Repeat(tier.BlockSize, (int)tier.BlocksRented))];

    /// <summary>Appends frame <paramref name="value"/> (its payload starts with the value) and returns the flags it went out with.</summary>
    private static FrameFlags Append(ReplayBuffer replay, long value)
    {
        Span<byte> frame = replay.Reserve(FrameSize);
        new FrameHeader(FrameSize - FrameHeader.Size, FrameType.Message, FrameFlags.None, 0, 40).Write(frame);
        BitConverter.TryWriteBytes(frame.Slice(FrameHeader.Size), value);
        replay.Commit(FrameSize);
        return (FrameFlags)replay.LastCommitted(FrameSize)[FrameHeader.FlagsOffset];
    }
}
