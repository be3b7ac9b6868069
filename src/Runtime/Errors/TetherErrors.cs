using System.Collections.Frozen;

namespace Tether;

/// <summary>The framework's single error-code table: code, name, default message, retryability, category.</summary>
public static class TetherErrors
{
    private static readonly TetherErrorDescriptor[] s_all =
    [
        new(TetherErrorCode.DecodeTruncated, "decode.truncated", "The input ended before the message was complete.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeLengthOutOfRange, "decode.length_out_of_range", "A length or count prefix is negative, too large, or claims more bytes than the input holds.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeInvalidUtf8, "decode.invalid_utf8", "A string is not valid UTF-8.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeDepthExceeded, "decode.depth_exceeded", "Messages are nested deeper than the configured limit.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeInvalidValue, "decode.invalid_value", "A value is outside its type's valid range.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeMalformedVarint, "decode.malformed_varint", "A variable-length integer is longer than its type allows.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecodeLengthMismatch, "decode.length_mismatch", "A message's declared length does not match the bytes its members occupy.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.DecompressionFailed, "decode.decompression_failed", "A compressed payload is damaged or does not inflate to the size it declares.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.EncodeBufferTooSmall, "encode.buffer_too_small", "The destination buffer is too small for the encoded message.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.EncodeDepthExceeded, "encode.depth_exceeded", "Messages are nested deeper than the configured limit (is there a cycle?).", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.EncodeInvalidValue, "encode.invalid_value", "A value cannot be encoded.", false, TetherErrorCategory.Serialization),
        new(TetherErrorCode.UnknownMessage, "dispatch.unknown_message", "No handler is registered for this message id.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.HandlerFailed, "dispatch.handler_failed", "The handler failed while processing the message.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.CallCanceled, "dispatch.call_canceled", "The call was cancelled by its caller.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.CallTimedOut, "dispatch.call_timed_out", "The call's deadline passed before a reply arrived.", true, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.UnexpectedReply, "dispatch.unexpected_reply", "The reply does not match what the caller expects (message id or method kind).", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.UnknownMethod, "dispatch.unknown_method", "No handler has a method with this id.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.AmbiguousMessage, "dispatch.ambiguous_message", "Several methods take this message; call the method by its id.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.NotFound, "dispatch.not_found", "What the call names does not exist.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.InvalidArgument, "dispatch.invalid_argument", "The call's values are not acceptable.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.MethodRemoved, "dispatch.method_removed", "The method was removed from the service.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.IdempotencyKeyReused, "dispatch.idempotency_key_reused", "The idempotency key was used before with a different request.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.IdempotentResultNotKept, "dispatch.idempotent_result_not_kept", "A call with this idempotency key already ran; its result was too large to keep, and the handler was not run again.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.InputStreamClosed, "dispatch.input_stream_closed", "The call's input stream is closed: the call ended, or its writer was completed, before this write.", false, TetherErrorCategory.Dispatch),
        new(TetherErrorCode.ProtocolViolation, "protocol.violation", "The peer broke the frame protocol.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.FrameTooLarge, "protocol.frame_too_large", "A frame is larger than the receiver's maximum frame size.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.UnsupportedVersion, "protocol.unsupported_version", "The peer speaks no supported protocol version, or its hello is malformed.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.ConnectionClosed, "protocol.connection_closed", "The connection closed before the operation completed.", true, TetherErrorCategory.Protocol),
        new(TetherErrorCode.GoingAway, "protocol.going_away", "The peer is shutting down and takes no new calls.", true, TetherErrorCategory.Protocol),
        new(TetherErrorCode.FrameTimeout, "protocol.frame_timeout", "A frame or the opening hello did not arrive completely in time.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.ConnectFailed, "protocol.connect_failed", "The connection could not be established.", true, TetherErrorCategory.Protocol),
        new(TetherErrorCode.TransportUnavailable, "protocol.transport_unavailable", "The transport cannot run on this machine: its native library is missing or of an unsupported version.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.InvalidCallHeaders, "protocol.invalid_call_headers", "A call's headers are malformed; the call was refused (the connection stays).", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.UnknownRemoteError, "protocol.unknown_remote_error", "The peer reported an error with a code this version does not know.", false, TetherErrorCategory.Protocol),
        new(TetherErrorCode.TlsHandshakeFailed, "tls.handshake_failed", "The TLS handshake failed.", true, TetherErrorCategory.Security),
        new(TetherErrorCode.UntrustedCertificate, "tls.untrusted_certificate", "The peer's certificate does not chain to a trusted authority.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.CertificateNameMismatch, "tls.name_mismatch", "The server's certificate is not issued for the host name connected to.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.ApplicationProtocolMismatch, "tls.alpn_mismatch", "Client and server agree on no ALPN protocol.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.ClientCertificateRequired, "tls.client_certificate_required", "The server requires a client certificate and none was presented.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.NoCommonTransport, "session.no_common_transport", "The server offers none of the transports the client advertised.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.MissingCapability, "session.missing_capability", "A required capability is not offered by the peer.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.RefusedByPolicy, "session.refused_by_policy", "The server's negotiation policy refused the session.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.IllegalStateTransition, "session.illegal_transition", "The session cannot move between these two states.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.ResumeRejected, "session.resume_rejected", "The resume token is unknown, expired, already used, or belongs to another session.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.ReplayBufferOverflow, "session.replay_overflow", "More was sent while the link was down than the replay buffer holds; the session cannot resume without loss.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.ContractChanged, "session.contract_changed", "The peer's contract no longer matches the session's.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.PeerUnresponsive, "session.peer_unresponsive", "The peer answered no heartbeat for the configured number of intervals.", true, TetherErrorCategory.Session),
        new(TetherErrorCode.SessionExpired, "session.expired", "The session's link stayed down longer than the resume window.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.SessionUnknown, "session.unknown", "The server does not know this session (it never had it, or restarted without keeping it).", false, TetherErrorCategory.Session),
        new(TetherErrorCode.NotDelivered, "session.not_delivered", "The session ended before the peer acknowledged this message or call; it may or may not have arrived.", false, TetherErrorCategory.Session),
        new(TetherErrorCode.NeverSent, "session.never_sent", "The session ended before this message or call reached the peer; it is safe to send again.", true, TetherErrorCategory.Session),
        new(TetherErrorCode.PendingCallsExceeded, "limit.pending_calls", "The client's pending-call table is full.", true, TetherErrorCategory.Limit),
        new(TetherErrorCode.InFlightCallsExceeded, "limit.in_flight_calls", "The session already runs its maximum number of concurrent calls.", true, TetherErrorCategory.Limit),
        new(TetherErrorCode.ConnectionLimitExceeded, "limit.connections", "The server already holds its maximum number of connections.", true, TetherErrorCategory.Limit),
        new(TetherErrorCode.SendQueueFull, "limit.send_queue_full", "The session's send queue is full; the peer is not reading fast enough.", true, TetherErrorCategory.Limit),
        new(TetherErrorCode.MessageTooLarge, "limit.message_too_large", "The message is larger than the peer's maximum frame size.", false, TetherErrorCategory.Limit),
        new(TetherErrorCode.CallHeadersTooLarge, "limit.call_headers", "A call's headers exceed the receiver's limits; the call was refused (the connection stays).", false, TetherErrorCategory.Limit),
        new(TetherErrorCode.RateLimited, "limit.rate_limited", "A rate limit refused the call; try again after the time it gave.", true, TetherErrorCategory.Limit),
        new(TetherErrorCode.DecompressedTooLarge, "limit.decompressed_too_large", "A compressed payload declares more bytes than the receiver's maximum frame size.", false, TetherErrorCategory.Limit),
        new(TetherErrorCode.StreamWindowExceeded, "limit.stream_window_exceeded", "The peer sent more stream items than the receiver had granted credit for.", false, TetherErrorCategory.Limit),
        new(TetherErrorCode.Unauthenticated, "auth.unauthenticated", "No credentials were presented where they are required, or no authenticator accepts them.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.PermissionDenied, "auth.permission_denied", "The caller is not allowed to call this method.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.CredentialsExpired, "auth.credentials_expired", "The session's credentials expired and were not refreshed in time.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.PrincipalChanged, "auth.principal_changed", "The credentials presented belong to another principal than the session's.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.AddressRefused, "auth.address_refused", "The remote address is not allowed to connect.", false, TetherErrorCategory.Security),
        new(TetherErrorCode.StoreUnavailable, "store.unavailable", "A store cannot write (the durable store's disk is full, not writable or failed a flush; or a backplane's Redis stayed unreachable past the publish timeout); the write was not acknowledged.", false, TetherErrorCategory.Storage),
        new(TetherErrorCode.StoreCorrupted, "store.corrupted", "The durable store found damaged data while recovering; it kept what was intact and reported the rest.", false, TetherErrorCategory.Storage),
        new(TetherErrorCode.StoreLocked, "store.locked", "Another process holds the data directory's lock.", false, TetherErrorCategory.Storage),
    ];

    private static readonly FrozenDictionary<TetherErrorCode, TetherErrorDescriptor> s_byCode =
        s_all.ToFrozenDictionary(static d => d.Code);

    /// <summary>Every row of the table, ordered by code.</summary>
    public static IReadOnlyList<TetherErrorDescriptor> All => s_all;

    /// <summary>Looks up the row for <paramref name="code"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The code is not in the table.</exception>
    public static TetherErrorDescriptor Get(TetherErrorCode code) =>
        s_byCode.TryGetValue(code, out TetherErrorDescriptor? descriptor)
            ? descriptor
            : throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown Tether error code.");

    /// <summary>
    /// The error a peer reported, as this side can report it: a code from the table as it is; any other number (a newer
    /// peer's code, or 0) as <see cref="TetherErrorCode.UnknownRemoteError"/> with the number in front of the message,
    /// so that nothing downstream meets a code without a descriptor.
    /// </summary>
    internal static TetherException FromPeer(int wireCode, string message, TimeSpan? retryAfter = null)
    {
        var code = (TetherErrorCode)wireCode;
        return code != TetherErrorCode.None && s_byCode.ContainsKey(code)
            ? new TetherException(code, message) { RetryAfter = retryAfter }
            : new TetherException(TetherErrorCode.UnknownRemoteError, $"code {wireCode}: {message}") { RetryAfter = retryAfter };
    }

    /// <summary>The category of <paramref name="code"/>, or null for a code outside the table (never throws: closing paths ask it).</summary>
    internal static TetherErrorCategory? CategoryOf(TetherErrorCode code) =>
        s_byCode.TryGetValue(code, out TetherErrorDescriptor? descriptor) ? descriptor.Category : null;

    /// <summary>Whether repeating the failed operation unchanged may succeed.</summary>
    public static bool IsRetryable(TetherErrorCode code) => Get(code).IsRetryable;
}
