namespace Tether.Cli.Output;

/// <summary>
/// What the process exit code says, for scripts (docs/cli.md): each failure prints <c>error CODE name: message</c>
/// to standard error, with the Tether code when the failure has one.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The server answered the call with an error (a handler's, a decode, a limit, not found…).</summary>
    public const int CallFailed = 1;

    /// <summary>The command line, the JSON or the settings are wrong, or the method or service does not exist; nothing was called.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached or the session could not be opened (connect, TLS, negotiation, lost link).</summary>
    public const int Unavailable = 3;

    /// <summary>The server's security refused the caller (unauthenticated, permission denied, address refused).</summary>
    public const int Refused = 4;

    /// <summary>The deadline passed before the answer came.</summary>
    public const int DeadlineExceeded = 5;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code of a failure.</summary>
    public static int Of(Exception error) => error switch
    {
        UsageException => Usage,
        DeadlineExceededException => DeadlineExceeded,
        TetherException t => t.Code switch
        {
            TetherErrorCode.CallTimedOut => DeadlineExceeded,
            TetherErrorCode.Unauthenticated or TetherErrorCode.PermissionDenied or TetherErrorCode.AddressRefused
                or TetherErrorCode.CredentialsExpired or TetherErrorCode.ClientCertificateRequired => Refused,
            TetherErrorCode.ConnectFailed or TetherErrorCode.TransportUnavailable or TetherErrorCode.ConnectionClosed or TetherErrorCode.GoingAway
                or TetherErrorCode.TlsHandshakeFailed or TetherErrorCode.UntrustedCertificate or TetherErrorCode.CertificateNameMismatch
                or TetherErrorCode.ApplicationProtocolMismatch or TetherErrorCode.UnsupportedVersion or TetherErrorCode.NoCommonTransport
                or TetherErrorCode.MissingCapability or TetherErrorCode.RefusedByPolicy or TetherErrorCode.ConnectionLimitExceeded
                or TetherErrorCode.PeerUnresponsive => Unavailable,
            _ => CallFailed,
        },
        OperationCanceledException => Interrupted,
        System.Net.Sockets.SocketException or IOException or TimeoutException => Unavailable,
        _ => CallFailed,
    };

    /// <summary>The line printed for a failure: the Tether code and name when there is one.</summary>
    public static string Describe(Exception error) => error switch
    {
        UsageException => $"error: {error.Message}",
        TetherException t => $"error {(int)t.Code} {TetherErrors.Get(t.Code).Name}: {t.Message}",
        OperationCanceledException => "interrupted",
        _ => $"error: {error.Message}",
    };
}
