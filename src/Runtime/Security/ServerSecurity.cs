using System.Diagnostics;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Tether.Connections;
using Tether.Observability;

namespace Tether.Security;

/// <summary>
/// A server's security at run time: the current <see cref="SecurityPolicy"/> (swapped whole on reload), the call
/// authorizer, and the checks the accept loop, the hello and the refresh run, each logged and counted the same way.
/// </summary>
internal sealed class ServerSecurity : IDisposable
{
    private readonly IReadOnlyList<HandlerRoute> _routes;
    private readonly int _methodCount;
    private readonly ILogger _logger;
    private readonly TetherMetrics _metrics;
    private readonly TimeProvider _time;
    private SecurityPolicy _policy;

    /// <exception cref="InvalidOperationException">A method names a rate-limit policy that is not configured.</exception>
    public ServerSecurity(TetherSecurityOptions options, HandlerRegistry handlers, ILogger logger, TetherMetrics metrics, TimeProvider time)
    {
        _routes = handlers.Routes;
        _methodCount = handlers.MethodCount;
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _policy = new SecurityPolicy(options, _routes, _methodCount);
        Authorizer = new CallAuthorizer(options, _methodCount);
    }

    public SecurityPolicy Current => Volatile.Read(ref _policy);

    public CallAuthorizer Authorizer { get; }

    public int MethodCount => _methodCount;

    /// <summary>Builds every method's authorization policy (a missing one fails the start).</summary>
    public Task PrepareAsync() => Authorizer.PrepareAsync(_routes);

    /// <summary>Replaces the reloadable settings (authenticators, lists, limits); the authorization service stays.</summary>
    /// <exception cref="InvalidOperationException">A method names a rate-limit policy that is not configured (nothing changes).</exception>
    public void Update(TetherSecurityOptions options)
    {
        var next = new SecurityPolicy(options, _routes, _methodCount);
        Interlocked.Exchange(ref _policy, next).Dispose(); // leases still held release harmlessly into a disposed limiter
        SecurityLog.Reloaded(_logger, next.Addresses.AllowedCount, next.Addresses.DeniedCount, next.PolicyCount,
            next.RequireAuthentication ? "required" : "optional");
    }

    /// <summary>The accept check: address lists, then the connection limit. False: close the connection unread.</summary>
    public bool AdmitConnection(EndPoint? remote)
    {
        SecurityPolicy policy = Current;
        if (!policy.Addresses.Allows(remote, out string? reason))
        {
            SecurityLog.ConnectionRefused(_logger, remote?.ToString(), reason!);
            Count(SecurityEventNames.AddressRefused);
            return false;
        }

        if (policy.Connections is { } limiter)
        {
            using RateLimitLease lease = limiter.AcquireForAddress(AddressKey(remote));
            if (!lease.IsAcquired)
            {
                SecurityLog.ConnectionRefused(_logger, remote?.ToString(), "connection rate limit");
                Count(SecurityEventNames.ConnectionRateLimited);
                return false;
            }
        }

        return true;
    }

    /// <summary>The hello and refresh limit, checked before any authenticator runs.</summary>
    public TetherException? AdmitHello(long connectionId, EndPoint? remote)
    {
        if (Current.Handshakes is not { } limiter)
        {
            return null;
        }

        using RateLimitLease lease = limiter.AcquireForAddress(AddressKey(remote));
        if (lease.IsAcquired)
        {
            return null;
        }

        SecurityLog.HelloRateLimited(_logger, connectionId, remote?.ToString());
        Count(SecurityEventNames.HelloRateLimited);
        TimeSpan? wait = PolicyLimiter.RetryAfter(lease);
        return new TetherException(TetherErrorCode.RateLimited,
            wait is { } w ? $"Too many hellos; try again in {w.TotalMilliseconds:0} ms." : "Too many hellos; try again later.")
        {
            RetryAfter = wait,
        };
    }

    /// <summary>Runs the authenticators on what the client presented; throws the typed refusal.</summary>
    public async ValueTask<SessionIdentity> AuthenticateAsync(long connectionId, AuthenticationRequest request, ISessionStopSource session)
    {
        SecurityPolicy policy = Current;
        string scheme = request.Credentials?.Scheme ?? "none";
        foreach (IAuthenticator authenticator in policy.Authenticators)
        {
            AuthenticationResult result;
            try
            {
                // Asked for here, not by the caller: without authenticators nothing waits, and the session makes no source.
                result = await authenticator.AuthenticateAsync(request, session.SessionStopToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                SecurityLog.AuthenticatorThrew(_logger, connectionId, authenticator.GetType().Name, e);
                throw Failed(connectionId, request, scheme, "The server could not check the credentials.");
            }

            switch (result.Outcome)
            {
                case AuthenticationOutcome.Success:
                    return Identity(connectionId, request, scheme, result.Principal!, result.ExpiresAt);
                case AuthenticationOutcome.Failure:
                    throw Failed(connectionId, request, scheme, result.FailureReason!);
            }
        }

        if (request.Credentials is not null && policy.Authenticators.Length > 0)
        {
            throw Failed(connectionId, request, scheme, $"No authenticator of this server accepts {scheme} credentials.");
        }

        // Anonymous (null): the principal is made when something first asks for it, so an idle session holds none.
        System.Security.Claims.ClaimsPrincipal? principal = request.ClientCertificate is null ? null : SessionIdentity.UnauthenticatedPrincipal(request.ClientCertificate);
        if (policy.RequireAuthentication && principal?.Identity?.IsAuthenticated != true)
        {
            throw Failed(connectionId, request, scheme, "This server requires credentials (TetherClientOptions.Credentials) and none were presented.");
        }

        return Identity(connectionId, request, scheme, principal, expiresAt: null);
    }

    private SessionIdentity Identity(long connectionId, AuthenticationRequest request, string scheme, System.Security.Claims.ClaimsPrincipal? principal, DateTimeOffset? expiresAt)
    {
        long expiresAtTimestamp = long.MaxValue;
        if (expiresAt is { } expiry)
        {
            TimeSpan left = expiry - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw Failed(connectionId, request, scheme, "The credentials have expired.");
            }

            expiresAtTimestamp = _time.GetTimestamp() + (long)(left.TotalSeconds * _time.TimestampFrequency);
        }

        var identity = new SessionIdentity(principal, expiresAt, expiresAtTimestamp, _methodCount);
        if (identity.IsAuthenticated)
        {
            SecurityLog.Authenticated(_logger, connectionId, identity.Subject, principal!.Identity?.AuthenticationType, request.Purpose);
        }

        return identity;
    }

    private TetherException Failed(long connectionId, AuthenticationRequest request, string scheme, string reason)
    {
        SecurityLog.AuthenticationFailed(_logger, connectionId, request.RemoteEndPoint?.ToString(), request.Purpose, scheme, reason);
        Count(SecurityEventNames.AuthenticationFailed);
        return new TetherException(TetherErrorCode.Unauthenticated, reason);
    }

    /// <summary>A resume or refresh that presented another principal than the session's.</summary>
    public TetherException PrincipalChanged(long connectionId, AuthenticationPurpose purpose, SessionIdentity presented, SessionIdentity session)
    {
        SecurityLog.PrincipalChanged(_logger, connectionId, purpose, presented.Describe(), session.Describe());
        Count(SecurityEventNames.PrincipalChanged);
        return new TetherException(TetherErrorCode.PrincipalChanged,
            $"The credentials presented belong to {presented.Describe()}, not to the session's principal.");
    }

    /// <summary>A call refused by authorization (unauthenticated or denied).</summary>
    public (TetherErrorCode Code, string Message) Refused(long connectionId, SessionIdentity identity, MethodDescriptor? method, AuthorizationDecision decision)
    {
        string name = method?.FullName ?? "?";
        TetherErrorCode code = decision == AuthorizationDecision.Unauthenticated ? TetherErrorCode.Unauthenticated : TetherErrorCode.PermissionDenied;
        SecurityLog.CallRefused(_logger, connectionId, identity.Describe(), name, code);
        Count(code == TetherErrorCode.Unauthenticated ? SecurityEventNames.Unauthenticated : SecurityEventNames.PermissionDenied, method);
        return (code, code == TetherErrorCode.Unauthenticated
            ? $"{name} requires an authenticated caller."
            : $"{identity.Describe()} may not call {name}.");
    }

    /// <summary>A call whose authorization threw: refused as denied, the exception logged (not sent).</summary>
    public (TetherErrorCode Code, string Message) AuthorizationFailed(long connectionId, SessionIdentity identity, MethodDescriptor? method, Exception exception)
    {
        string name = method?.FullName ?? "?";
        SecurityLog.AuthorizationThrew(_logger, connectionId, identity.Describe(), name, exception);
        Count(SecurityEventNames.PermissionDenied, method);
        return (TetherErrorCode.PermissionDenied, $"The authorization of {name} failed on the server.");
    }

    /// <summary>A call refused by a rate limit.</summary>
    public void OnRateLimited(long connectionId, SessionIdentity identity, MethodDescriptor? method, string policy)
    {
        SecurityLog.CallRateLimited(_logger, connectionId, identity.Describe(), method?.FullName ?? "?", policy);
        Count(SecurityEventNames.RateLimited, method);
    }

    public void OnCredentialsExpired(long connectionId, SessionIdentity identity)
    {
        SecurityLog.CredentialsExpired(_logger, connectionId, identity.Describe());
        Count(SecurityEventNames.CredentialsExpired);
    }

    public void OnRefreshed(long connectionId, SessionIdentity identity)
    {
        SecurityLog.CredentialsRefreshed(_logger, connectionId, identity.Describe());
        Count(SecurityEventNames.CredentialsRefreshed);
    }

    private void Count(string name, MethodDescriptor? method = null)
    {
        if (!_metrics.SecurityEvents.Enabled)
        {
            return;
        }

        var tags = new TagList { { "tether.security.event", name } };
        if (method is not null)
        {
            tags.Add("rpc.method", method.FullName);
        }

        _metrics.SecurityEvents.Add(1, tags);
    }

    /// <summary>The partition key of an address (the IP alone: a client's ports all count as one).</summary>
    public static string AddressKey(EndPoint? remote) => remote switch
    {
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        null => "unknown",
        _ => remote.ToString() ?? "unknown",
    };

    public void Dispose() => Current.Dispose();
}
