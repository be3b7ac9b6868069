using System.Buffers;
using System.Threading.Channels;
using Tether.Conformance.Tests.Support;
using Tether.Connections;
using Tether.Framing;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A server stream's items reach the caller in the order they arrived, also when one of them is still waiting for
/// room while the next ones arrive on another receive loop (after a resume, the call's QUIC stream may hold one while
/// the link's stream carries the rest), and a receive loop waiting for room is never failed by the call ending.
/// </summary>
public sealed class StreamCallOrderTests
{
    [Fact]
    public async Task Items_and_the_end_that_arrive_while_an_item_waits_for_room_follow_it_in_order()
    {
        (StreamCall<Tick> call, Task waitingOnStream) = CallWithAnItemWaiting(); // the call's stream's loop waits

        // The link's loop carries on with the next items and the end.
        Task waitingOnLink = Deliver(call, 2);
        Assert.False(waitingOnLink.IsCompleted);
        call.OnEnd();

        Assert.Equal([0, 1, 2], await ReadAllAsync(call.Reader).Within());
        await waitingOnStream.Within();
        await waitingOnLink.Within();
    }

    [Fact]
    public async Task A_peer_error_reaches_the_caller_after_the_items_before_it()
    {
        (StreamCall<Tick> call, Task waiting) = CallWithAnItemWaiting();
        call.OnRemoteError(new TetherException(TetherErrorCode.UnexpectedReply, "handler failed"));

        var items = new List<int>();
        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            await foreach (Tick tick in call.Reader.ReadAllAsync())
            {
                items.Add(tick.Sequence);
            }
        }).Within();

        Assert.Equal([0, 1], items);
        Assert.Equal(TetherErrorCode.UnexpectedReply, error.Code);
        await waiting.Within();
    }

    [Fact]
    public async Task Ending_the_call_here_releases_a_receive_loop_waiting_for_room_without_failing_it()
    {
        (StreamCall<Tick> call, Task waiting) = CallWithAnItemWaiting();
        Task queued = Deliver(call, 2);

        call.Fail(new OperationCanceledException("the caller stopped reading"));

        // Before the fix the loop's wait threw, which ended the link (TCP) or left the call's stream unread (QUIC).
        await waiting.Within();
        await queued.Within();
        Assert.True(Deliver(call, 3).IsCompletedSuccessfully); // later items are dropped at once
    }

    [Fact]
    public async Task A_caller_that_stops_reading_after_the_end_arrived_releases_the_waiting_loop()
    {
        (StreamCall<Tick> call, Task waiting) = CallWithAnItemWaiting();
        call.OnEnd(); // queued behind item 1, which waits for room

        call.Abandon();

        await waiting.Within();
        Assert.Equal(0, (await call.Reader.ReadAsync().AsTask().Within()).Sequence);
    }

    /// <summary>A stream call with a one-item buffer holding item 0; item 1 waits for room (the returned wait).</summary>
    private static (StreamCall<Tick> Call, Task Waiting) CallWithAnItemWaiting()
    {
        var call = new StreamCall<Tick>(capacity: 1, StreamItems.Typed<Tick>());
        Assert.True(Deliver(call, 0).IsCompletedSuccessfully);
        Task waiting = Deliver(call, 1);
        Assert.False(waiting.IsCompleted);
        return (call, waiting);
    }

    /// <summary>Hands the call an item as a receive loop does; the task is the loop's wait (completed when none).</summary>
    private static Task Deliver(StreamCall<Tick> call, int sequence)
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(new Tick(sequence)));
        var header = new FrameHeader(checked((int)payload.Length), FrameType.StreamItem, FrameFlags.None, 1, MessageIdOf<Tick>());
        return call.OnStreamItem(header, payload, DecodeOptions.Default).AsTask();
    }

    private static int MessageIdOf<T>()
        where T : IMessage<T> => T.MessageId;

    private static async Task<List<int>> ReadAllAsync(ChannelReader<Tick> reader)
    {
        var items = new List<int>();
        await foreach (Tick tick in reader.ReadAllAsync())
        {
            items.Add(tick.Sequence);
        }

        return items;
    }
}
