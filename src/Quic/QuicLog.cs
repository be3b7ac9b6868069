using Microsoft.Extensions.Logging;

namespace Tether.Quic;

/// <summary>QUIC transport events (ids 6xx; never reused).</summary>
internal static partial class QuicLog
{
    [LoggerMessage(600, LogLevel.Information, "QUIC handshake from {RemoteEndPoint} failed ({Code}): {Detail}")]
    public static partial void HandshakeFailed(ILogger logger, string? remoteEndPoint, TetherErrorCode code, string detail);

    [LoggerMessage(601, LogLevel.Error, "A HandshakeFailed handler threw")]
    public static partial void HandshakeEventFailed(ILogger logger, Exception exception);
}
