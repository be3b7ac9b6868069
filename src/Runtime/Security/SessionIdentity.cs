using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Security;

/// <summary>
/// Who a session is, as its last successful authentication said: the principal, its subject (compared on resume and
/// refresh), when its credentials expire, and the authorization decisions made for it. Immutable but for the decision
/// cache; a refresh replaces the whole object, which is what invalidates the cache.
/// </summary>
internal sealed class SessionIdentity
{
    /// <summary>
    /// The <see cref="AuthorizationDecision"/> of each method (by route ordinal) for this principal; filled as calls
    /// arrive, made by the first decision (a session that never calls a guarded method never has it).
    /// </summary>
    private byte[]? _decisions;

    private readonly int _methodCount;

    private ClaimsPrincipal? _principal;

    /// <param name="principal">Who the session is; null for an anonymous session, whose principal is made when first asked for.</param>
    /// <param name="expiresAt">When the credentials expire, or null.</param>
    /// <param name="expiresAtTimestamp">The same moment as a timestamp, or <see cref="long.MaxValue"/>.</param>
    /// <param name="methodCount">How many methods the decision cache covers.</param>
    public SessionIdentity(ClaimsPrincipal? principal, DateTimeOffset? expiresAt, long expiresAtTimestamp, int methodCount)
    {
        _principal = principal;
        bool authenticated = principal?.Identity?.IsAuthenticated == true;
        IsAuthenticated = authenticated;
        Subject = authenticated ? AuthenticationResult.SubjectOf(principal!) : "";
        PrincipalKey = authenticated ? "p:" + Subject : "anonymous";
        ExpiresAt = expiresAt;
        ExpiresAtTimestamp = expiresAtTimestamp;
        _methodCount = methodCount;
    }

    public ClaimsPrincipal Principal => _principal ?? Anonymous();

    /// <summary>Authenticated: by an authenticator, or by the TLS client certificate the transport validated.</summary>
    public bool IsAuthenticated { get; }

    /// <summary>The principal's stable identity (<see cref="AuthenticationResult.Subject"/>); empty when anonymous.</summary>
    public string Subject { get; }

    /// <summary>When the credentials expire (wall clock, for the client), or null.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The same moment as a <see cref="TimeProvider"/> timestamp (what the timer compares), or <see cref="long.MaxValue"/>.</summary>
    public long ExpiresAtTimestamp { get; }

    /// <summary>The rate-limit partition of <see cref="RateLimitPartition.Principal"/> policies.</summary>
    public string PrincipalKey { get; }

    /// <summary>The subject for logs: never a secret, "anonymous" when there is none.</summary>
    public string Describe() => IsAuthenticated ? Subject : "anonymous";

    public AuthorizationDecision Decision(int ordinal) =>
        Volatile.Read(ref _decisions) is { } decisions ? (AuthorizationDecision)Volatile.Read(ref decisions[ordinal]) : AuthorizationDecision.Unknown;

    public void Remember(int ordinal, AuthorizationDecision decision)
    {
        byte[] decisions = Volatile.Read(ref _decisions) ?? Interlocked.CompareExchange(ref _decisions, new byte[_methodCount], null) ?? _decisions!;
        Volatile.Write(ref decisions[ordinal], (byte)decision);
    }

    // Each session gets its own (a principal is mutable); two first readers racing keep the same one.
    private ClaimsPrincipal Anonymous()
    {
        Interlocked.CompareExchange(ref _principal, new ClaimsPrincipal(new ClaimsIdentity()), null);
        return _principal;
    }

    /// <summary>The identity of a session no authenticator decided on: its certificate's, or anonymous.</summary>
    public static ClaimsPrincipal UnauthenticatedPrincipal(X509Certificate2? certificate) =>
        certificate is null ? new ClaimsPrincipal(new ClaimsIdentity()) : CertificateAuthenticator.CreatePrincipal(certificate);
}

/// <summary>A cached authorization answer for one (session, method).</summary>
internal enum AuthorizationDecision : byte
{
    Unknown = 0,
    Allowed = 1,
    Unauthenticated = 2,
    Denied = 3,
}
