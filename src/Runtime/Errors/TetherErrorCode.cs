namespace Tether;

/// <summary>
/// Every failure the framework can report. The numeric values are stable on the wire (error frames
/// carry them) and grouped by range: 1xxx decoding and encoding, 2xxx dispatch and calls,
/// 3xxx protocol and transport (31xx TLS), 4xxx sessions, 5xxx limits, 6xxx authentication and authorization, 7xxx durable storage.
/// </summary>
/// <remarks>The name, default message, retryability and category of each code live in <see cref="TetherErrors"/>.</remarks>
public enum TetherErrorCode
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ended before the value being read was complete.</summary>
    DecodeTruncated = 1001,

    /// <summary>A length or count prefix is negative, too large, or claims more bytes than the input holds.</summary>
    DecodeLengthOutOfRange = 1002,

    /// <summary>A string's bytes are not valid UTF-8.</summary>
    DecodeInvalidUtf8 = 1003,

    /// <summary>Messages are nested deeper than the configured limit.</summary>
    DecodeDepthExceeded = 1004,

    /// <summary>A value is outside its type's valid range (bool, decimal, date, time zone offset, dictionary key).</summary>
    DecodeInvalidValue = 1005,

    /// <summary>A variable-length integer is longer than its type allows.</summary>
    DecodeMalformedVarint = 1006,

    /// <summary>A message's declared length does not match the bytes its members occupy.</summary>
    DecodeLengthMismatch = 1007,

    /// <summary>A compressed frame's payload is damaged, names an unknown algorithm, or inflates to another size than it declares; the peer is disconnected.</summary>
    DecompressionFailed = 1008,

    /// <summary>A fixed destination span is too small for the encoded message.</summary>
    EncodeBufferTooSmall = 1101,

    /// <summary>Messages are nested deeper than the configured limit while encoding (often a cycle).</summary>
    EncodeDepthExceeded = 1102,

    /// <summary>A value cannot be encoded (for example a collection longer than the format allows).</summary>
    EncodeInvalidValue = 1103,

    /// <summary>No handler is registered for the message id.</summary>
    UnknownMessage = 2001,

    /// <summary>A handler threw an exception.</summary>
    HandlerFailed = 2002,

    /// <summary>The call was cancelled by its caller.</summary>
    CallCanceled = 2003,

    /// <summary>The call's deadline passed before a reply arrived.</summary>
    CallTimedOut = 2004,

    /// <summary>The reply's message id is not the one the caller expects, or the method's kind does not match the call.</summary>
    UnexpectedReply = 2005,

    /// <summary>No handler has a method with the id a call names.</summary>
    UnknownMethod = 2006,

    /// <summary>A call made by message type (not by method) matches several methods taking that message; call the method by its id (a generated client).</summary>
    AmbiguousMessage = 2007,

    /// <summary>What the call names (a session, a key, a service) does not exist; a handler's answer, not the framework's.</summary>
    NotFound = 2008,

    /// <summary>The call's request is well formed but its values are not acceptable (a handler's answer, or a tool's input that does not fit a message's shape).</summary>
    InvalidArgument = 2009,

    /// <summary>The method called was removed from the service (<see cref="RemovedMethodAttribute"/>); the message says what to call instead.</summary>
    MethodRemoved = 2010,

    /// <summary>The call's idempotency key was used before, for this method and principal, with a different request: the earlier call's result is not this call's.</summary>
    IdempotencyKeyReused = 2011,

    /// <summary>A call with this idempotency key already ran, but its result was larger than the server keeps (<see cref="IdempotencyOptions.MaxResultBytes"/>); the handler was not run again.</summary>
    IdempotentResultNotKept = 2012,

    /// <summary>A write to a call's input stream after the call ended (the handler answered before reading it all, or the call failed) or after the writer was completed.</summary>
    InputStreamClosed = 2013,

    /// <summary>The peer broke the frame protocol (unknown frame type, flags or reserved bits, a frame out of place).</summary>
    ProtocolViolation = 3001,

    /// <summary>A frame header claimed more than the receiver's maximum frame size.</summary>
    FrameTooLarge = 3002,

    /// <summary>The peer speaks no protocol version this side supports, or its hello is malformed.</summary>
    UnsupportedVersion = 3003,

    /// <summary>The connection closed before the operation completed.</summary>
    ConnectionClosed = 3004,

    /// <summary>The peer is shutting down and takes no new calls (goaway).</summary>
    GoingAway = 3005,

    /// <summary>A frame, or the opening hello, did not arrive completely within the configured time.</summary>
    FrameTimeout = 3006,

    /// <summary>The connection could not be established.</summary>
    ConnectFailed = 3007,

    /// <summary>The transport cannot run on this machine (its native library is missing or of an unsupported version).</summary>
    TransportUnavailable = 3008,

    /// <summary>A call's headers block is malformed (truncated, a bad key, invalid UTF-8, a duplicate); the call is refused, the link stays.</summary>
    InvalidCallHeaders = 3009,

    /// <summary>
    /// The peer reported an error (a call's error, a goaway, a refused hello or refresh) with a code this version's table
    /// does not have (a newer peer's, or 0); the message starts with the number it sent.
    /// </summary>
    UnknownRemoteError = 3010,

    /// <summary>The TLS handshake failed for a reason none of the more specific TLS codes names.</summary>
    TlsHandshakeFailed = 3101,

    /// <summary>The peer's certificate does not chain to a trusted authority (or is expired, revoked, or not for this use).</summary>
    UntrustedCertificate = 3102,

    /// <summary>The server's certificate is not issued for the host name the client connected to.</summary>
    CertificateNameMismatch = 3103,

    /// <summary>Client and server agree on no ALPN protocol (Tether speaks <c>tether/1</c>).</summary>
    ApplicationProtocolMismatch = 3104,

    /// <summary>The server requires a client certificate (mTLS) and the client presented none.</summary>
    ClientCertificateRequired = 3105,

    /// <summary>The server offers none of the transports the client advertised (negotiation).</summary>
    NoCommonTransport = 4001,

    /// <summary>A capability one side requires is not offered by the other (negotiation).</summary>
    MissingCapability = 4002,

    /// <summary>The server's negotiation policy refused the session.</summary>
    RefusedByPolicy = 4003,

    /// <summary>A session was asked to move between two states the state table does not connect.</summary>
    IllegalStateTransition = 4004,

    /// <summary>The resume token is unknown, expired, already used, or belongs to another session.</summary>
    ResumeRejected = 4005,

    /// <summary>More was sent while the link was down than the replay buffer holds; the session cannot resume without loss.</summary>
    ReplayBufferOverflow = 4006,

    /// <summary>On resume the peer's contract (version, services) no longer matches the session's.</summary>
    ContractChanged = 4007,

    /// <summary>The peer answered no heartbeat for the configured number of intervals.</summary>
    PeerUnresponsive = 4008,

    /// <summary>The session's link stayed down longer than the resume window.</summary>
    SessionExpired = 4009,

    /// <summary>
    /// The server does not know the session: it never had it, or it restarted without keeping it (no durable session
    /// store, or one that lost it). Unlike <see cref="ResumeRejected"/>, nothing is wrong with the token.
    /// </summary>
    SessionUnknown = 4010,

    /// <summary>
    /// A message or call this side accepted was sent but the peer never acknowledged it before the session ended: it
    /// may or may not have arrived, so it is not safe to repeat blindly.
    /// </summary>
    NotDelivered = 4011,

    /// <summary>
    /// A message or call this side accepted never reached the peer (it was queued while the link was down, or the
    /// peer provably never received it) before the session ended: safe to send again.
    /// </summary>
    NeverSent = 4012,

    /// <summary>The client's pending-call table is full.</summary>
    PendingCallsExceeded = 5001,

    /// <summary>The session already runs its maximum number of concurrent calls.</summary>
    InFlightCallsExceeded = 5002,

    /// <summary>The server already holds its maximum number of connections.</summary>
    ConnectionLimitExceeded = 5003,

    /// <summary>The session's send queue is full (the peer is not reading fast enough).</summary>
    SendQueueFull = 5004,

    /// <summary>An outgoing message is larger than the peer's maximum frame size.</summary>
    MessageTooLarge = 5005,

    /// <summary>A call's headers exceed the receiver's limits (bytes or metadata entries); the call is refused, the link stays.</summary>
    CallHeadersTooLarge = 5006,

    /// <summary>A rate limit refused the call (or the connection, or the hello); <see cref="TetherException.RetryAfter"/> says when to try again, when the limiter knows.</summary>
    RateLimited = 5007,

    /// <summary>A compressed frame declares more bytes uncompressed than the receiver's maximum frame size (a decompression bomb); refused before inflating, and the peer is disconnected.</summary>
    DecompressedTooLarge = 5008,

    /// <summary>The peer sent a stream item it had no credit for (per-stream flow control); the peer is disconnected.</summary>
    StreamWindowExceeded = 5009,

    /// <summary>The peer presented no credentials where they are required, or credentials no authenticator accepts (wrong, unknown, disabled, expired).</summary>
    Unauthenticated = 6001,

    /// <summary>The caller is authenticated but not allowed to call the method (its roles or a policy say no).</summary>
    PermissionDenied = 6002,

    /// <summary>The session's credentials expired and were not refreshed in time; the session is closed.</summary>
    CredentialsExpired = 6003,

    /// <summary>A resume or a credentials refresh presented credentials of another principal than the session's.</summary>
    PrincipalChanged = 6004,

    /// <summary>The remote address is outside the server's allow list or inside its deny list (the connection is closed unread).</summary>
    AddressRefused = 6005,

    /// <summary>A store cannot write: the durable store's disk (full, not writable, a failed flush) or the Redis a backplane uses (unreachable past its publish timeout); what was being written was not acknowledged.</summary>
    StoreUnavailable = 7001,

    /// <summary>The durable store found a damaged record or snapshot while recovering; it kept everything before the damage and reported the rest.</summary>
    StoreCorrupted = 7002,

    /// <summary>Another process (or another store in this one) holds the data directory; two servers never share one.</summary>
    StoreLocked = 7003,
}
