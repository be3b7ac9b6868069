namespace Tether;

/// <summary>
/// Callbacks at the six lifecycle moments of a session (SPEC §6): connected, disconnected, heartbeat timeout,
/// reconnected, message sent, message received. Set on <see cref="TetherConnectionOptions.Hooks"/>; a hook left null
/// costs nothing (one null check). Hooks run on the runtime's threads (a receive loop, a timer, the caller's thread for
/// a send): keep them short and non-blocking. An exception thrown by a hook is logged and otherwise ignored.
/// </summary>
public sealed class TetherHooks
{
    /// <summary>A session was negotiated (on a server, once per client session; on a client, when it connected or started a new session).</summary>
    public Action<TetherPeer>? Connected { get; set; }

    /// <summary>A session ended, with the reason (null for a normal close). A lost link that resumes is not a disconnect.</summary>
    public Action<TetherPeer, Exception?>? Disconnected { get; set; }

    /// <summary>Nothing was heard from the peer for the configured number of heartbeat intervals: its link is declared dead (the session may still resume).</summary>
    public Action<TetherPeer, TetherException>? HeartbeatTimedOut { get; set; }

    /// <summary>A link came back: <c>true</c> when the session resumed on it, <c>false</c> when a client had to start a new session.</summary>
    public Action<TetherPeer, bool>? Reconnected { get; set; }

    /// <summary>An application frame (request, one-way message, reply, stream item, stream end, error) was written for the peer.</summary>
    public MessageHook? MessageSent { get; set; }

    /// <summary>An application frame arrived from the peer, before it is handled.</summary>
    public MessageHook? MessageReceived { get; set; }
}

/// <summary>A message hook: what moved, to or from which peer.</summary>
/// <param name="peer">The other end (a client's server, or a server's session).</param>
/// <param name="message">The frame.</param>
public delegate void MessageHook(TetherPeer peer, in MessageEvent message);

/// <summary>One application frame, as the message hooks see it.</summary>
/// <param name="Kind">What the frame is.</param>
/// <param name="CallId">The call it belongs to (0 for a one-way message).</param>
/// <param name="Target">
/// A request or one-way message: the method id (or, for a call by message type, the message id); a reply or stream
/// item: the message id; an error: the error code.
/// </param>
/// <param name="Length">Bytes of payload (after the 16-byte frame header).</param>
public readonly record struct MessageEvent(MessageEventKind Kind, uint CallId, int Target, int Length);

/// <summary>The kinds of application frame the message hooks report.</summary>
public enum MessageEventKind
{
    /// <summary>A call's request (unary or stream).</summary>
    Request,

    /// <summary>A one-way message.</summary>
    OneWay,

    /// <summary>A unary call's reply.</summary>
    Reply,

    /// <summary>An item of a server stream.</summary>
    StreamItem,

    /// <summary>The end of a server stream.</summary>
    StreamEnd,

    /// <summary>An error answering a call.</summary>
    Error,
}
