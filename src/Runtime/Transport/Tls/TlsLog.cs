using Microsoft.Extensions.Logging;

namespace Tether.Transport.Tls;

/// <summary>TLS transport events (ids 5xx; never reused).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(500, LogLevel.Information, "TLS handshake from {RemoteEndPoint} failed ({Code}): {Detail}")]
    public static partial void HandshakeFailed(ILogger logger, string? remoteEndPoint, TetherErrorCode code, string detail);

    [LoggerMessage(501, LogLevel.Error, "A HandshakeFailed handler threw")]
    public static partial void HandshakeEventFailed(ILogger logger, System.Exception exception);
}
