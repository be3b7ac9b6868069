using System.Buffers;
using System.IO.Pipelines;
using Tether.Connections;
using Tether.Framing;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Connections;

/// <summary>Batched writes: many one-way frames under one hold of the output, flushed once by the writer itself.</summary>
public sealed class FrameOutputBatchTests
{
    private readonly PipeLink _link = new();
    private readonly HeldScheduler _deferred = new();

    // Deferred flushes go to a scheduler that never runs them: whatever reaches the link was flushed inline.
    private FrameOutput NewOutput(long sendQueueLimit = 1 << 20) =>
        new(_link, peerMaxFrameSize: 1 << 20, sendQueueLimit, flushScheduler: _deferred);

    private static Order[] Orders(int count, int symbolLength = 8) =>
        [.. Enumerable.Range(0, count).Select(i => new Order(i, i % 7, i * 1.5, new string((char)('A' + (i % 26)), symbolLength), i % 2 == 0, i))];

    [Fact]
    public void A_batch_reaches_the_link_in_order_in_one_inline_flush_and_schedules_none()
    {
        FrameOutput output = NewOutput();
        Order[] orders = Orders(100);

        Assert.Equal(100, output.TryWriteMessages(7, orders.AsSpan()));

        Assert.Equal(0, _deferred.Scheduled);
        List<(FrameHeader Header, byte[] Payload)> frames = ReadAvailable();
        Assert.Equal(orders, frames.Select(f => TetherCodec.Decode<Order>(f.Payload)));
        Assert.All(frames, f => Assert.Equal((FrameType.Message, 7), (f.Header.Type, f.Header.MessageId)));
        Assert.Equal(100, output.FramesWritten);
    }

    [Fact]
    public void Single_writes_leave_the_flush_to_the_scheduler_which_is_what_a_batch_saves()
    {
        FrameOutput output = NewOutput();
        foreach (Order order in Orders(3))
        {
            Assert.True(output.TryWriteMessageWithRoom(7, order));
        }

        Assert.Equal(1, _deferred.Scheduled);
        Assert.Empty(ReadAvailable());
    }

    [Fact]
    public async Task A_batch_larger_than_the_link_takes_stops_at_the_backpressure_and_the_rest_follows_once_there_is_room()
    {
        FrameOutput output = NewOutput();
        Order[] orders = Orders(200, symbolLength: 1000); // ~200 KB: several holds of ~32 KiB, past the pipe's 64 KiB pause

        // Nobody reads yet: the batch must stop at the pause threshold (a reader started at once could keep up and make
        // the stop a matter of timing).
        int written = output.TryWriteMessages(7, orders);
        Assert.True(written < orders.Length, "the link's pause threshold should have stopped the batch");
        Task<List<(FrameHeader Header, byte[] Payload)>> reading = _link.ReadFramesAsync(200);
        while (written < orders.Length)
        {
            await output.WaitForSpaceAsync(includeReplay: true, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            written += output.TryWriteMessages(7, orders.AsSpan(written));
        }

        Assert.Equal(orders.Select(o => o.Id), (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Select(f => TetherCodec.Decode<Order>(f.Payload).Id));
    }

    [Fact]
    public void A_batch_written_inside_a_receive_batch_completes_and_leaves_with_its_end()
    {
        // A handler running inside the receive loop's batch: the loop flushes at its end, so the batch must make progress
        // past one send's worth without a flush, and must not flush on its own.
        FrameOutput output = NewOutput();
        Order[] orders = Orders(100, symbolLength: 1000);
        output.BeginBatch();

        Assert.Equal(100, output.TryWriteMessages(7, orders.AsSpan()));
        Assert.Empty(ReadAvailable());

        output.EndBatch();
        Assert.Equal(100, ReadAvailable().Count);
    }

    [Fact]
    public void A_full_replay_buffer_stops_the_batch_after_the_frames_that_fit()
    {
        FrameOutput output = NewOutput();
        // The replay buffer counts itself full at three quarters of its frames: 15 of 20.
        output.EnableSequencing(MemoryPool<byte>.Shared, maxBytes: 1 << 20, maxFrames: 20);

        Assert.Equal(15, output.TryWriteMessages(7, Orders(25).AsSpan()));

        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), ReadAvailable(sequenced: true).Select(f => TetherCodec.Decode<Order>(f.Payload).Id));
        Assert.True(output.Acknowledge(15));
        Assert.Equal(10, output.TryWriteMessages(7, Orders(25).AsSpan(15)));
    }

    [Fact]
    public void A_framed_run_is_copied_whole_in_one_flush()
    {
        FrameOutput output = NewOutput();
        byte[] run = [.. PipeLink.Frame(FrameType.Message, 0, 1, [1]), .. PipeLink.Frame(FrameType.Message, 0, 2, [2, 2]), .. PipeLink.Frame(FrameType.Message, 0, 3, [3, 3, 3])];

        Assert.Equal(3, output.TryWriteFramedRun(run));

        Assert.Equal(0, _deferred.Scheduled);
        Assert.Equal([[1], [2, 2], [3, 3, 3]], ReadAvailable().Select(f => f.Payload));
    }

    [Fact]
    public void A_closed_output_refuses_a_batch_with_a_typed_error()
    {
        FrameOutput output = NewOutput();
        output.Close();

        var error = Assert.Throws<TetherException>(() => output.TryWriteMessages(7, Orders(3).AsSpan()));
        Assert.Equal(TetherErrorCode.ConnectionClosed, error.Code);
        Assert.Equal(0, output.TryWriteFramedRun(PipeLink.Frame(FrameType.Message, 0, 1, [1])));
    }

    [Fact]
    public void Steady_state_batches_allocate_nothing()
    {
        FrameOutput output = NewOutput();
        Order[] orders = Orders(16);
        for (int i = 0; i < 100; i++)
        {
            output.TryWriteMessages(7, orders.AsSpan());
            Drain();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            output.TryWriteMessages(7, orders.AsSpan());
            Drain();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private void Drain()
    {
        Assert.True(_link.Sent.TryRead(out ReadResult result));
        _link.Sent.AdvanceTo(result.Buffer.End);
    }

    /// <summary>The frames flushed to the link so far, without waiting.</summary>
    private List<(FrameHeader Header, byte[] Payload)> ReadAvailable(bool sequenced = false)
    {
        var frames = new List<(FrameHeader, byte[])>();
        if (!_link.Sent.TryRead(out ReadResult result))
        {
            return frames;
        }

        ReadOnlySequence<byte> buffer = result.Buffer;
        SequencePosition consumed = buffer.Start, examined = buffer.End;
        while (FrameParser.TryRead(buffer.Slice(consumed), 1 << 20, sequenced, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload) == FrameParseStatus.Complete)
        {
            frames.Add((header, payload.ToArray()));
        }

        _link.Sent.AdvanceTo(consumed, examined);
        return frames;
    }

    /// <summary>Counts deferred flushes and never runs them.</summary>
    private sealed class HeldScheduler : PipeScheduler
    {
        public int Scheduled { get; private set; }

        public override void Schedule(Action<object?> action, object? state) => Scheduled++;
    }
}
