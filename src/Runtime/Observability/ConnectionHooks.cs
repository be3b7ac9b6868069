using Microsoft.Extensions.Logging;
using Tether.Connections;
using Tether.Framing;

namespace Tether.Observability;

/// <summary>
/// Calls a connection's <see cref="TetherHooks"/>: maps frames to <see cref="MessageEvent"/>s and keeps a hook's
/// exception from reaching the runtime. Null when no hook is set, so the engine's checks are one null test.
/// </summary>
internal sealed class ConnectionHooks(TetherHooks hooks, ILogger logger, long connectionId)
{
    public TetherHooks Hooks => hooks;

    /// <summary>The hooks of a connection, or null when none is set (nothing to call, nothing to check).</summary>
    public static ConnectionHooks? Create(TetherHooks? hooks, ILogger logger, long connectionId) =>
        hooks is { Connected: null, Disconnected: null, HeartbeatTimedOut: null, Reconnected: null, MessageSent: null, MessageReceived: null } or null
            ? null
            : new ConnectionHooks(hooks, logger, connectionId);

    public void Connected(TetherPeer? peer)
    {
        if (hooks.Connected is { } hook && peer is not null)
        {
            Run(() => hook(peer));
        }
    }

    public void Disconnected(TetherPeer? peer, Exception? reason)
    {
        if (hooks.Disconnected is { } hook && peer is not null)
        {
            Run(() => hook(peer, reason));
        }
    }

    public void HeartbeatTimedOut(TetherPeer? peer, TetherException reason)
    {
        if (hooks.HeartbeatTimedOut is { } hook && peer is not null)
        {
            Run(() => hook(peer, reason));
        }
    }

    public void Reconnected(TetherPeer? peer, bool resumed)
    {
        if (hooks.Reconnected is { } hook && peer is not null)
        {
            Run(() => hook(peer, resumed));
        }
    }

    /// <summary>The frame's kind when it is an application frame; false for control frames (hello, ack, ping, …).</summary>
    public static bool TryDescribe(FrameType type, out MessageEventKind kind)
    {
        (bool known, kind) = type switch
        {
            FrameType.Request => (true, MessageEventKind.Request),
            FrameType.Message => (true, MessageEventKind.OneWay),
            FrameType.Response => (true, MessageEventKind.Reply),
            FrameType.StreamItem => (true, MessageEventKind.StreamItem),
            FrameType.End => (true, MessageEventKind.StreamEnd),
            FrameType.Error => (true, MessageEventKind.Error),
            _ => (false, default),
        };
        return known;
    }

    public void Received(TetherPeer? peer, in FrameHeader header)
    {
        if (hooks.MessageReceived is { } hook && peer is not null && TryDescribe(header.Type, out MessageEventKind kind))
        {
            var message = new MessageEvent(kind, header.CallId, header.MessageId, header.PayloadLength);
            try
            {
                hook(peer, in message);
            }
            catch (Exception e)
            {
                ConnectionLog.HookFailed(logger, connectionId, nameof(TetherHooks.MessageReceived), e);
            }
        }
    }

    /// <summary>The callback a connection's outputs call after committing a frame (installed only when <see cref="TetherHooks.MessageSent"/> is set).</summary>
    public FrameCommitted? SentCallback(Func<TetherPeer?> peer)
    {
        if (hooks.MessageSent is not { } hook)
        {
            return null;
        }

        return (FrameType type, uint callId, int messageId, int length) =>
        {
            if (peer() is { } target && TryDescribe(type, out MessageEventKind kind))
            {
                var message = new MessageEvent(kind, callId, messageId, length);
                try
                {
                    hook(target, in message);
                }
                catch (Exception e)
                {
                    ConnectionLog.HookFailed(logger, connectionId, nameof(TetherHooks.MessageSent), e);
                }
            }
        };
    }

    private void Run(Action call)
    {
        try
        {
            call();
        }
        catch (Exception e)
        {
            ConnectionLog.HookFailed(logger, connectionId, "lifecycle", e);
        }
    }
}

/// <summary>A frame was committed to an output (type, call, message id or code, payload bytes).</summary>
internal delegate void FrameCommitted(FrameType type, uint callId, int messageId, int length);
