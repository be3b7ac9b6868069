using System.Buffers;
using System.Threading.Channels;
using Tether.Conformance.Tests.Support;
using Tether.Connections;
using Tether.Framing;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A server stream's items reach the caller in the order they arrived, and the receive loop never waits for the caller
/// (decision 0026): items within the granted window are taken at once, and reading them is what grants more.
/// </summary>
public sealed class StreamCallOrderTests
{
    [Fact]
    public async Task Items_and_the_end_follow_each_other_in_order_and_no_receive_loop_waits()
    {
        var call = new StreamCall<Tick>(maximumWindow: 32, StreamItems.Typed<Tick>(), timing: null);
        for (int i = 0; i < ProtocolConstants.InitialStreamWindow; i++)
        {
            Assert.True(Deliver(call, i).IsCompletedSuccessfully); // a full window, nobody reading yet
        }

        call.OnEnd();
        Assert.Equal(Enumerable.Range(0, ProtocolConstants.InitialStreamWindow), await ReadAllAsync(call).Within());
    }

    [Fact]
    public async Task A_peer_error_reaches_the_caller_after_the_items_before_it()
    {
        var call = new StreamCall<Tick>(maximumWindow: 32, StreamItems.Typed<Tick>(), timing: null);
        Assert.True(Deliver(call, 0).IsCompletedSuccessfully);
        Assert.True(Deliver(call, 1).IsCompletedSuccessfully);
        call.OnRemoteError(new TetherException(TetherErrorCode.UnexpectedReply, "handler failed"));

        var items = new List<int>();
        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            ChannelReader<Tick> reader = call.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (call.TryRead(out Tick tick))
                {
                    items.Add(tick.Sequence);
                }
            }
        }).Within();

        Assert.Equal([0, 1], items);
        Assert.Equal(TetherErrorCode.UnexpectedReply, error.Code);
    }

    [Fact]
    public async Task Items_beyond_the_granted_window_are_not_taken()
    {
        var call = new StreamCall<Tick>(maximumWindow: 32, StreamItems.Typed<Tick>(), timing: null);
        for (int i = 0; i < ProtocolConstants.InitialStreamWindow; i++)
        {
            Assert.True(Deliver(call, i).IsCompletedSuccessfully);
        }

        Assert.True(Deliver(call, 99).IsCompletedSuccessfully); // a violation: reported to the connection, never buffered
        call.OnEnd();
        Assert.Equal(Enumerable.Range(0, ProtocolConstants.InitialStreamWindow), await ReadAllAsync(call).Within());
    }

    /// <summary>Hands the call an item as a receive loop does.</summary>
    private static Task Deliver(StreamCall<Tick> call, int sequence)
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(new Tick(sequence)));
        var header = new FrameHeader(checked((int)payload.Length), FrameType.StreamItem, FrameFlags.None, 1, MessageIdOf<Tick>());
        return call.OnStreamItem(header, payload, DecodeOptions.Default).AsTask();
    }

    private static int MessageIdOf<T>()
        where T : IMessage<T> => T.MessageId;

    private static async Task<List<int>> ReadAllAsync(StreamCall<Tick> call)
    {
        var items = new List<int>();
        while (await call.Reader.WaitToReadAsync())
        {
            while (call.TryRead(out Tick tick))
            {
                items.Add(tick.Sequence);
            }
        }

        return items;
    }
}
