using Microsoft.Extensions.Logging;

namespace Tether.Connections;

/// <summary>Connection events. Event ids are never reused (1xx connection, 2xx server, 3xx client).</summary>
internal static partial class ConnectionLog
{
    [LoggerMessage(100, LogLevel.Debug, "Connection {ConnectionId} opened from {RemoteEndPoint} over {Transport}")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, string? remoteEndPoint, string transport);

    [LoggerMessage(101, LogLevel.Debug, "Connection {ConnectionId} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(102, LogLevel.Warning, "Connection {ConnectionId} broke the protocol ({Code}): {Detail}")]
    public static partial void ProtocolViolation(ILogger logger, long connectionId, TetherErrorCode code, string detail);

    [LoggerMessage(103, LogLevel.Error, "Connection {ConnectionId}: the handler of method {MethodId} failed")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, int methodId, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "Connection {ConnectionId}: one-way message for {Target} dropped ({Code})")]
    public static partial void MessageDropped(ILogger logger, long connectionId, int target, TetherErrorCode code);

    [LoggerMessage(105, LogLevel.Debug, "Connection {ConnectionId}: the peer is going away ({Code})")]
    public static partial void PeerGoingAway(ILogger logger, long connectionId, TetherErrorCode code);

    [LoggerMessage(106, LogLevel.Warning, "Connection {ConnectionId} refused at handshake ({Code})")]
    public static partial void ConnectionRefused(ILogger logger, long connectionId, TetherErrorCode code);

    [LoggerMessage(107, LogLevel.Debug, "Connection {ConnectionId}: closing the transport failed")]
    public static partial void TransportCloseFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(108, LogLevel.Debug, "Session {ConnectionId}: {From} -> {To} {Reason}")]
    public static partial void StateChanged(ILogger logger, long connectionId, SessionState from, SessionState to, string reason);

    [LoggerMessage(109, LogLevel.Information, "Session {ConnectionId} lost its link: {Reason}")]
    public static partial void LinkLost(ILogger logger, long connectionId, string reason);

    [LoggerMessage(110, LogLevel.Information, "Session {ConnectionId} resumed over {Transport}: {Replayed} frames replayed, the peer had {PeerHas}")]
    public static partial void Resumed(ILogger logger, long connectionId, string transport, int replayed, ulong peerHas);

    [LoggerMessage(111, LogLevel.Warning, "Session {ConnectionId}: the peer answered no heartbeat for {Misses} intervals")]
    public static partial void PeerUnresponsive(ILogger logger, long connectionId, int misses);

    [LoggerMessage(112, LogLevel.Warning, "Session {ConnectionId}: the replay buffer ({Frames} frames / {Bytes} bytes) overflowed while the link was down; the session cannot resume")]
    public static partial void ReplayOverflowed(ILogger logger, long connectionId, int frames, long bytes);

    [LoggerMessage(113, LogLevel.Error, "Session {ConnectionId}: a link-lost handler failed")]
    public static partial void SessionEventFailedForConnection(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(114, LogLevel.Information, "Session {ConnectionId}: resume refused ({Code}): {Reason}")]
    public static partial void ResumeRefused(ILogger logger, long connectionId, TetherErrorCode code, string reason);

    [LoggerMessage(115, LogLevel.Debug, "Session {ConnectionId}: a resume waits for the previous link to finish ending")]
    public static partial void ResumeWaitsForLinkEnd(ILogger logger, long connectionId);

    [LoggerMessage(200, LogLevel.Information, "Tether server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(201, LogLevel.Information, "Tether server draining {Connections} connections ({InFlight} calls in flight)")]
    public static partial void Draining(ILogger logger, int connections, int inFlight);

    [LoggerMessage(202, LogLevel.Warning, "Tether server drain timed out with {InFlight} calls still running; they are cancelled")]
    public static partial void DrainTimedOut(ILogger logger, int inFlight);

    [LoggerMessage(203, LogLevel.Error, "Tether server accept loop failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(204, LogLevel.Error, "A SessionStarted/SessionEnded handler failed for session {SessionId}")]
    public static partial void SessionEventFailed(ILogger logger, long sessionId, Exception exception);

    [LoggerMessage(205, LogLevel.Warning, "Tether server: the session store failed for session {SessionId}")]
    public static partial void SessionStoreFailed(ILogger logger, long sessionId, Exception exception);

    [LoggerMessage(300, LogLevel.Information, "Tether client: reconnect attempt {Attempt} in {Delay}")]
    public static partial void Reconnecting(ILogger logger, int attempt, TimeSpan delay);

    [LoggerMessage(301, LogLevel.Information, "Tether client: reconnect attempt {Attempt} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(302, LogLevel.Warning, "Tether client: the session could not resume ({Code}); a new session starts")]
    public static partial void SessionRestarting(ILogger logger, TetherErrorCode code);

    [LoggerMessage(303, LogLevel.Warning, "Tether client: the server declares {Service}/{Method} deprecated: {Reason}")]
    public static partial void MethodDeprecated(ILogger logger, string service, string method, string reason);

    [LoggerMessage(304, LogLevel.Debug, "Call {Method} failed with {Code} on attempt {Attempt}; trying again in {DelayMs} ms")]
    public static partial void CallRetrying(ILogger logger, string method, TetherErrorCode code, int attempt, long delayMs);

    [LoggerMessage(305, LogLevel.Warning, "The idempotency result of {Method} could not be kept in the durable store; a repeat after a restart would run its handler again")]
    public static partial void IdempotencyNotDurable(ILogger logger, string method, Exception exception);

    [LoggerMessage(306, LogLevel.Debug, "An expired idempotency result stays on disk until the next start reads and drops it")]
    public static partial void IdempotencyNotForgotten(ILogger logger, Exception exception);

    [LoggerMessage(116, LogLevel.Warning, "Tether connection {ConnectionId}: the {Hook} hook threw; the runtime carries on")]
    public static partial void HookFailed(ILogger logger, long connectionId, string hook, Exception exception);

    [LoggerMessage(117, LogLevel.Warning, "Session {ConnectionId}: refreshing the credentials failed: {Reason}")]
    public static partial void CredentialsRefreshFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(118, LogLevel.Warning, "Session {ConnectionId} ended with {Count} one-way messages the peer never acknowledged ({NeverSent} of them never sent); they are reported to the application")]
    public static partial void MessagesUndelivered(ILogger logger, long connectionId, int count, int neverSent);

    [LoggerMessage(119, LogLevel.Error, "Session {SessionId} could not be rebuilt from the journal and is dropped: {Reason}")]
    public static partial void SessionNotRestored(ILogger logger, Guid sessionId, string reason);

    [LoggerMessage(120, LogLevel.Information, "Rebuilt {Count} sessions from the journal in {Directory}; each waits for its client to resume")]
    public static partial void SessionsRestored(ILogger logger, int count, string directory);

    [LoggerMessage(121, LogLevel.Information, "Stopping while keeping {Count} durable sessions for the next server on the directory")]
    public static partial void StoppingKeepingSessions(ILogger logger, int count);
}
