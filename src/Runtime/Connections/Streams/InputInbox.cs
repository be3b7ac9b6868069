using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>The handler's side of a call's input stream, whatever its item type: what the receive loop hands it.</summary>
internal interface IInputInbox
{
    /// <summary>An input item arrived; false when the peer sent it without credit (a protocol violation).</summary>
    bool OnItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options);

    /// <summary>The caller ended its input: the handler reads the end after every item.</summary>
    void OnEnd();

    /// <summary>The call is over (answered, cancelled, connection lost): the handler's reading stops with <paramref name="error"/>.</summary>
    void Close(Exception? error);
}

/// <summary>
/// The input items of one client-streaming or bidirectional call, decoded on the receive loop into a buffer the handler
/// reads as an <see cref="IAsyncEnumerable{T}"/> (decision 0026). Bounded by the credit this side grants: the handler
/// reading grants more, a handler that stops reading stops its caller's writer, not the connection.
/// </summary>
internal sealed class InputInbox<T> : IInputInbox
    where T : IMessage<T>
{
    private readonly Channel<T> _items = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly StreamWindow _window;
    private readonly FrameOutput _output;
    private readonly uint _callId;
    private int _enumerated;

    public InputInbox(FrameOutput output, uint callId, int maximumWindow, ILinkTiming? timing)
    {
        _output = output;
        _callId = callId;
        _window = new StreamWindow(maximumWindow, timing);
    }

    public bool OnItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (!_window.Arrived())
        {
            return false;
        }

        if (header.MessageId != T.MessageId)
        {
            _items.Writer.TryComplete(new TetherException(TetherErrorCode.UnexpectedReply,
                $"Expected input items with message id {T.MessageId}, got {header.MessageId}."));
            return true;
        }

        T item;
        try
        {
            item = TetherCodec.Decode<T>(in payload, options);
        }
        catch (TetherException e)
        {
            _items.Writer.TryComplete(e); // the handler sees why its input ended
            return true;
        }

        _items.Writer.TryWrite(item); // false once the call is over: nobody reads it
        return true;
    }

    public void OnEnd() => _items.Writer.TryComplete();

    public void Close(Exception? error) => _items.Writer.TryComplete(error);

    /// <summary>The items, once: a second enumeration is refused (the input is a stream, not a collection).</summary>
    public async IAsyncEnumerable<T> ReadAllAsync(CancellationToken callToken, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
        {
            throw new InvalidOperationException("A call's input stream can be read once.");
        }

        using CancellationTokenSource? linked = cancellationToken.CanBeCanceled && cancellationToken != callToken
            ? CancellationTokenSource.CreateLinkedTokenSource(callToken, cancellationToken)
            : null;
        CancellationToken token = linked?.Token ?? callToken;
        ChannelReader<T> reader = _items.Reader;
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (reader.TryRead(out T? item))
            {
                int grant = _window.Consumed();
                if (grant > 0 && !reader.Completion.IsCompleted)
                {
                    try
                    {
                        _output.WriteControl(FrameType.InputCredit, _callId, grant);
                    }
                    catch (TetherException)
                    {
                        // The connection is closing: the call ends with it.
                    }
                }

                yield return item;
            }
        }
    }
}
