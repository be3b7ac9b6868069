using Microsoft.Extensions.Logging;

namespace Tether.Security;

/// <summary>
/// The server's security audit trail, with fixed event ids (600–613; 611 is the hosted server refusing a reload, 612 the API keys refusing one) so they can be alerted on. No secret is ever
/// an argument: credentials appear as their scheme only, principals as their subject.
/// </summary>
internal static partial class SecurityLog
{
    [LoggerMessage(600, LogLevel.Warning, "Connection {ConnectionId} from {RemoteEndPoint}: authentication failed ({Purpose}, scheme {Scheme}): {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, long connectionId, string? remoteEndPoint, AuthenticationPurpose purpose, string scheme, string reason);

    [LoggerMessage(601, LogLevel.Debug, "Connection {ConnectionId}: authenticated as {Subject} ({AuthenticationType}, {Purpose})")]
    public static partial void Authenticated(ILogger logger, long connectionId, string subject, string? authenticationType, AuthenticationPurpose purpose);

    [LoggerMessage(602, LogLevel.Warning, "Session {ConnectionId} ({Subject}): call to {Method} refused ({Code})")]
    public static partial void CallRefused(ILogger logger, long connectionId, string subject, string method, TetherErrorCode code);

    [LoggerMessage(603, LogLevel.Information, "Session {ConnectionId} ({Subject}): call to {Method} rate-limited by {Policy}")]
    public static partial void CallRateLimited(ILogger logger, long connectionId, string subject, string method, string policy);

    [LoggerMessage(604, LogLevel.Warning, "Connection from {RemoteEndPoint} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string? remoteEndPoint, string reason);

    [LoggerMessage(605, LogLevel.Information, "Session {ConnectionId} ({Subject}): its credentials expired unrefreshed; closing it")]
    public static partial void CredentialsExpired(ILogger logger, long connectionId, string subject);

    [LoggerMessage(606, LogLevel.Error, "Connection {ConnectionId}: authenticator {Authenticator} threw; the hello is refused")]
    public static partial void AuthenticatorThrew(ILogger logger, long connectionId, string authenticator, Exception exception);

    [LoggerMessage(607, LogLevel.Information, "Security settings reloaded: {Allowed} allowed and {Denied} denied networks, {Policies} rate-limit policies, authentication {Required}")]
    public static partial void Reloaded(ILogger logger, int allowed, int denied, int policies, string required);

    [LoggerMessage(608, LogLevel.Information, "Session {ConnectionId} ({Subject}): credentials refreshed")]
    public static partial void CredentialsRefreshed(ILogger logger, long connectionId, string subject);

    [LoggerMessage(609, LogLevel.Warning, "Connection {ConnectionId} from {RemoteEndPoint}: hello rate-limited")]
    public static partial void HelloRateLimited(ILogger logger, long connectionId, string? remoteEndPoint);

    [LoggerMessage(613, LogLevel.Error, "Session {ConnectionId} ({Subject}): authorizing {Method} threw; the call is denied")]
    public static partial void AuthorizationThrew(ILogger logger, long connectionId, string subject, string method, Exception exception);

    [LoggerMessage(610, LogLevel.Warning, "Session {ConnectionId}: {Purpose} presented credentials of {Presented}, not of the session's principal {Subject}")]
    public static partial void PrincipalChanged(ILogger logger, long connectionId, AuthenticationPurpose purpose, string presented, string subject);
}

/// <summary>The values of the <c>tether.security.event</c> tag.</summary>
internal static class SecurityEventNames
{
    public const string AuthenticationFailed = "authentication_failed";
    public const string Unauthenticated = "unauthenticated";
    public const string PermissionDenied = "permission_denied";
    public const string RateLimited = "rate_limited";
    public const string HelloRateLimited = "hello_rate_limited";
    public const string ConnectionRateLimited = "connection_rate_limited";
    public const string AddressRefused = "address_refused";
    public const string CredentialsExpired = "credentials_expired";
    public const string PrincipalChanged = "principal_changed";
    public const string CredentialsRefreshed = "credentials_refreshed";
}
