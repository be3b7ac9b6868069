using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// The input stream of one incoming client-streaming or bidirectional call, owned by its <see cref="IncomingCall"/>. The
/// generated dispatch asks for the typed inbox before it returns, so items decode straight from the pipe; call filters
/// may run first and take their time, so items that arrive before the inbox exists are copied aside (at most the initial
/// window: nothing more was granted) and decoded into it when it opens.
/// </summary>
internal sealed class CallInput
{
    private readonly Lock _lock = new();
    private IInputInbox? _inbox;
    private List<EarlyItem>? _early;
    private bool _earlyEnd;
    private bool _opened;

    /// <summary>Whether the handler has taken its input.</summary>
    public bool IsOpen => Volatile.Read(ref _opened);

    /// <summary>An input item arrived (receive loop); false when the caller sent it without credit.</summary>
    public bool OnItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (Volatile.Read(ref _inbox) is { } inbox)
        {
            return inbox.OnItem(header, payload, options);
        }

        lock (_lock)
        {
            if (_inbox is null)
            {
                _early ??= [];
                if (_early.Count >= ProtocolConstants.InitialStreamWindow)
                {
                    return false;
                }

                byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)payload.Length));
                payload.CopyTo(copy);
                _early.Add(new EarlyItem(header.MessageId, copy, (int)payload.Length));
                return true;
            }
        }

        return _inbox.OnItem(header, payload, options);
    }

    /// <summary>The caller ended its input.</summary>
    public void OnEnd()
    {
        if (Volatile.Read(ref _inbox) is { } inbox)
        {
            inbox.OnEnd();
            return;
        }

        lock (_lock)
        {
            if (_inbox is null)
            {
                _earlyEnd = true;
                return;
            }
        }

        _inbox.OnEnd();
    }

    /// <summary>Opens the typed inbox once, decoding whatever arrived before it.</summary>
    public InputInbox<T> Open<T>(FrameOutput output, uint callId, int maximumWindow, ILinkTiming timing, DecodeOptions options)
        where T : IMessage<T>
    {
        lock (_lock)
        {
            if (_opened)
            {
                throw new InvalidOperationException("The call's input stream was already taken.");
            }

            var inbox = new InputInbox<T>(output, callId, maximumWindow, timing);
            if (_early is { } early)
            {
                foreach (EarlyItem item in early)
                {
                    var header = new FrameHeader(item.Length, FrameType.InputItem, FrameFlags.None, callId, item.MessageId);
                    inbox.OnItem(header, new ReadOnlySequence<byte>(item.Bytes, 0, item.Length), options);
                    ArrayPool<byte>.Shared.Return(item.Bytes);
                }

                early.Clear();
            }

            if (_earlyEnd)
            {
                inbox.OnEnd();
            }

            _opened = true;
            Volatile.Write(ref _inbox, inbox);
            return inbox;
        }
    }

    /// <summary>The call is over: a reading handler stops with <paramref name="error"/> (null: the input simply ends), and the state is cleared for the pooled call's next use.</summary>
    public void Close(Exception? error)
    {
        lock (_lock)
        {
            _inbox?.Close(error);
            _inbox = null;
            if (_early is { } early)
            {
                foreach (EarlyItem item in early)
                {
                    ArrayPool<byte>.Shared.Return(item.Bytes);
                }

                early.Clear();
            }

            _earlyEnd = false;
            _opened = false;
        }
    }

    private readonly record struct EarlyItem(int MessageId, byte[] Bytes, int Length);
}
