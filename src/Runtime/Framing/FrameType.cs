namespace Tether.Framing;

/// <summary>The kind of a frame (byte 4 of the header). Values are wire format: never renumber.</summary>
internal enum FrameType : byte
{
    /// <summary>First frame each side sends: magic, protocol version, the largest frame the sender accepts.</summary>
    Hello = 0x01,

    /// <summary>A call that expects a reply (<see cref="Response"/>, stream items then <see cref="End"/>, or <see cref="Error"/>).</summary>
    Request = 0x02,

    /// <summary>The reply to a unary <see cref="Request"/>; flag <see cref="FrameFlags.Empty"/> when the method returns nothing.</summary>
    Response = 0x03,

    /// <summary>A one-way message: no call id, no reply. Also how a server pushes to a client.</summary>
    Message = 0x04,

    /// <summary>One item of a server stream.</summary>
    StreamItem = 0x05,

    /// <summary>A server stream ended normally.</summary>
    End = 0x06,

    /// <summary>A call failed (call id ≠ 0) or the connection is about to close (call id 0). Code in the message-id field, UTF-8 text as payload.</summary>
    Error = 0x07,

    /// <summary>The caller gave up on a call; the handler's cancellation token fires.</summary>
    Cancel = 0x08,

    /// <summary>Liveness probe; the peer answers <see cref="Pong"/> with the same 8-byte payload.</summary>
    Ping = 0x09,

    /// <summary>Answer to <see cref="Ping"/>.</summary>
    Pong = 0x0A,

    /// <summary>Cumulative acknowledgement of sequenced frames (resumable sessions); ignored by peers that do not resume.</summary>
    Ack = 0x0B,

    /// <summary>The sender takes no new calls: code in the message-id field, last call id it will process in the call-id field.</summary>
    GoAway = 0x0C,

    /// <summary>
    /// After a resume: the frames of a call that had its own QUIC stream continue on the link's stream. Call id = the
    /// call; message-id field 0 when it is the sender's call, 1 when it is the receiver's; payload <c>u64</c> = the number,
    /// on the call's stream, of the first of its frames that follow (the receiver drops those it already has).
    /// </summary>
    Moved = 0x0D,

    /// <summary>
    /// Credentials refresh on a live session (not sequenced). Client to server: call id = the refresh's number, payload
    /// = credentials (<c>docs/wire-format.md</c> §7.4). Server to client, the answer: same call id, code in the
    /// message-id field (0: accepted), payload = the credentials' remaining lifetime (accepted) or the reason (refused).
    /// </summary>
    Authenticate = 0x0E,

    /// <summary>One item of a call's input stream (caller to handler; client-streaming and bidirectional methods).</summary>
    InputItem = 0x0F,

    /// <summary>The caller's input stream ended normally (caller to handler).</summary>
    InputEnd = 0x10,

    /// <summary>
    /// Caller to handler: the caller can take more items of the call's stream; the message-id field holds how many more
    /// (≥ 1). Per-stream flow control (<c>docs/wire-format.md</c> §6.11).
    /// </summary>
    Credit = 0x11,

    /// <summary>Handler to caller: the handler can take more items of the call's input stream; the message-id field holds how many more (≥ 1).</summary>
    InputCredit = 0x12,
}
