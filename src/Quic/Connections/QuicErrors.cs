using System.Globalization;
using Tether.Quic.Interop;

namespace Tether.Quic.Connections;

/// <summary>Translates QUIC close reasons and TLS alerts into Tether's typed errors.</summary>
internal static class QuicErrors
{
    /// <summary>QUIC transport error CONNECTION_REFUSED (RFC 9000 §20.1).</summary>
    public const ulong ConnectionRefused = 0x2;

    /// <summary>Application error code of an abort (the graceful close uses 0).</summary>
    public const ulong AbortCode = 1;

    /// <summary>The typed error for a TLS alert a peer (or our TLS stack) raised during the handshake.</summary>
    public static TetherException FromAlert(byte alert, bool sentByPeer)
    {
        string who = sentByPeer ? "The peer refused the handshake" : "The handshake failed";
        return alert switch
        {
            42 or 43 or 44 or 45 or 46 or 48 => new TetherException(TetherErrorCode.UntrustedCertificate,
                $"{who}: the certificate was not accepted (TLS alert {alert})."),
            116 => new TetherException(TetherErrorCode.ClientCertificateRequired,
                $"{who}: the server requires a client certificate (mTLS) and none was presented (TLS alert 116)."),
            120 => new TetherException(TetherErrorCode.ApplicationProtocolMismatch,
                $"{who}: no common ALPN protocol (TLS alert 120)."),
            _ => new TetherException(TetherErrorCode.TlsHandshakeFailed, $"{who} (TLS alert {alert})."),
        };
    }

    /// <summary>The error a peer's CONNECTION_CLOSE carries, or null for a graceful close.</summary>
    public static unsafe TetherException? FromPeerClose(ngtcp2_connection_close_error* close)
    {
        string reason = close->reasonlen > 0
            ? System.Text.Encoding.UTF8.GetString(close->reason, (int)Math.Min(close->reasonlen, 256))
            : "";
        string suffix = reason.Length > 0 ? $": {reason}" : ".";
        if (close->type == Ngtcp2.CloseErrorTypeApplication)
        {
            return close->error_code == 0
                ? null
                : new TetherException(TetherErrorCode.ConnectionClosed, $"The peer aborted the QUIC connection (application error {close->error_code}){suffix}");
        }

        ulong code = close->error_code;
        return code switch
        {
            0 => null,
            ConnectionRefused => new TetherException(TetherErrorCode.ConnectFailed, $"The server refused the QUIC connection{suffix}"),
            >= Ngtcp2.CryptoError and < Ngtcp2.CryptoError + 0x100 => FromAlert((byte)(code - Ngtcp2.CryptoError), sentByPeer: true),
            _ => new TetherException(TetherErrorCode.ConnectionClosed,
                $"The peer closed the QUIC connection with transport error 0x{code.ToString("x", CultureInfo.InvariantCulture)}{suffix}"),
        };
    }

    /// <summary>The error for an ngtcp2 failure this side detected.</summary>
    public static TetherException FromLibrary(int error, string during) => error switch
    {
        Ngtcp2.ErrIdleClose => new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC connection was idle past its timeout."),
        Ngtcp2.ErrHandshakeTimeout => new TetherException(TetherErrorCode.TlsHandshakeFailed, "The QUIC handshake did not finish in time."),
        _ => new TetherException(TetherErrorCode.ConnectionClosed, $"QUIC failed while {during}: {Ngtcp2.ErrorText(error)} ({error})."),
    };
}
