using System.Buffers;
using System.IO.Pipelines;
using Tether.Connections;
using Tether.Framing;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The frame writer on its own: reservations, limits, and what a resumable session keeps for replay.</summary>
public sealed class FrameOutputTests
{
    private readonly PipeLink _link = new();

    private FrameOutput NewOutput(int peerMaxFrameSize = 1 << 20) =>
        new(_link, peerMaxFrameSize, sendQueueLimit: 1 << 20, flushScheduler: PipeScheduler.Inline);

    [Fact]
    public async Task A_committed_reservation_sends_its_header_and_payload()
    {
        FrameOutput output = NewOutput();
        using (FrameReservation frame = output.Begin(FrameType.Response, FrameFlags.None, 9, 42, 3, out Span<byte> payload))
        {
            Assert.Equal(3, payload.Length);
            payload[0] = 1;
            payload[1] = 2;
            payload[2] = 3;
            frame.Commit();
        }

        var (header, body) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(new FrameHeader(3, FrameType.Response, FrameFlags.None, 9, 42), header);
        Assert.Equal([1, 2, 3], body);
        Assert.Equal(1, output.FramesWritten);
    }

    [Fact]
    public async Task A_reservation_disposed_without_commit_sends_nothing_and_releases_the_output()
    {
        FrameOutput output = NewOutput();
        using (output.Begin(FrameType.Response, FrameFlags.None, 1, 1, 4, out Span<byte> dropped))
        {
            dropped.Fill(0xEE);
        }

        // Another thread can write at once: the lock was released.
        await Task.Run(() => output.WriteControl(FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]));

        var (header, body) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(FrameType.Ping, header.Type);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], body);
        Assert.Equal(1, output.FramesWritten);
    }

    [Fact]
    public async Task An_encoder_that_throws_leaves_no_frame_and_no_lock_held()
    {
        FrameOutput output = NewOutput();
        Assert.Throws<FormatException>(void () =>
        {
            using FrameReservation frame = output.Begin(FrameType.Message, FrameFlags.None, 0, 5, 2, out _);
            throw new FormatException("the encoder failed");
        });

        await Task.Run(() => output.WriteMessage(FrameType.Message, FrameFlags.None, 0, 77, new Order(1, 2, 3, "X", true, 4)));

        var (header, body) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(77, header.MessageId);
        Assert.Equal(new Order(1, 2, 3, "X", true, 4), TetherCodec.Decode<Order>(body));
    }

    [Fact]
    public void Committing_a_frame_twice_is_refused()
    {
        FrameOutput output = NewOutput();
        FrameReservation frame = output.Begin(FrameType.Ping, FrameFlags.None, 0, 0, 8, out _);
        frame.Commit();

        Assert.Throws<InvalidOperationException>(frame.Commit);
        frame.Dispose(); // a no-op once committed: it must not release a lock it no longer holds
        output.WriteControl(FrameType.Ping, 0, 0, new byte[8]);
        Assert.Equal(2, output.FramesWritten);
    }

    [Fact]
    public void A_payload_past_the_peers_frame_size_is_refused_before_anything_is_held()
    {
        FrameOutput output = NewOutput(peerMaxFrameSize: 16);

        var error = Assert.Throws<TetherException>(() => output.Begin(FrameType.Response, FrameFlags.None, 1, 1, 17, out _));
        Assert.Equal(TetherErrorCode.MessageTooLarge, error.Code);

        output.WriteControl(FrameType.Ping, 0, 0, new byte[8]); // not blocked by a lock left behind
        Assert.Equal(1, output.FramesWritten);
    }

    [Fact]
    public void A_closed_output_refuses_frames_with_a_typed_error()
    {
        FrameOutput output = NewOutput();
        output.Close();

        var error = Assert.Throws<TetherException>(() => output.WriteControl(FrameType.Ping, 0, 0, new byte[8]));
        Assert.Equal(TetherErrorCode.ConnectionClosed, error.Code);
        Assert.False(output.TryWriteFramed(PipeLink.Frame(FrameType.Message, 0, 1, [1])));
    }

    [Fact]
    public async Task Frames_written_while_the_link_is_down_are_replayed_on_the_next_one_after_what_the_peer_has()
    {
        FrameOutput output = NewOutput();
        output.EnableSequencing(MemoryPool<byte>.Shared, maxBytes: 1 << 20, maxFrames: 100);
        output.WriteMessage(FrameType.Message, FrameFlags.None, 0, 1, new Order(1, 1, 1, "A", true, 1));
        Assert.Single(await _link.ReadFramesAsync(1, sequenced: true));

        output.Detach();
        output.WriteMessage(FrameType.Message, FrameFlags.None, 0, 1, new Order(2, 1, 1, "B", true, 1));
        output.WriteMessage(FrameType.Message, FrameFlags.None, 0, 1, new Order(3, 1, 1, "C", true, 1));
        Assert.Equal((3, output.ReplayBacklog.Bytes), (output.ReplayBacklog.Frames, output.ReplayBacklog.Bytes));

        var next = new PipeLink();
        output.Attach(next);
        Assert.True(output.ResumeSequenced(peerHas: 1, out int replayed));

        Assert.Equal(2, replayed);
        var frames = await next.ReadFramesAsync(2, sequenced: true);
        Assert.Equal([2L, 3L], frames.Select(f => TetherCodec.Decode<Order>(f.Payload).Id));
        Assert.Equal([(ushort)2, (ushort)3], frames.Select(f => f.Header.Sequence));
        Assert.Equal(2, output.ReplayBacklog.Frames); // kept until the peer acknowledges them
        Assert.True(output.Acknowledge(3));
        Assert.Equal(0, output.ReplayBacklog.Frames);
        Assert.False(output.Acknowledge(4)); // never sent
    }

    [Fact]
    public void A_resume_from_before_what_is_kept_is_refused()
    {
        FrameOutput output = NewOutput();
        output.EnableSequencing(MemoryPool<byte>.Shared, maxBytes: 1 << 20, maxFrames: 100);
        output.WriteControl(FrameType.Message, 0, 1, [1]);
        output.WriteControl(FrameType.Message, 0, 1, [2]);
        Assert.True(output.Acknowledge(2));

        output.Detach();
        output.Attach(new PipeLink());
        Assert.False(output.CanReplayAfter(0));
        Assert.False(output.ResumeSequenced(peerHas: 0, out _));
    }
}
