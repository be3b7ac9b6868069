using System.Security.Claims;

namespace Tether.Security;

/// <summary>What an <see cref="IAuthenticator"/> decided.</summary>
public enum AuthenticationOutcome
{
    /// <summary>Not this authenticator's kind of credentials: ask the next.</summary>
    NoResult,

    /// <summary>Authenticated: <see cref="AuthenticationResult.Principal"/> is who the client is.</summary>
    Success,

    /// <summary>Recognised and refused: the hello (or refresh) is refused with <see cref="TetherErrorCode.Unauthenticated"/>.</summary>
    Failure,
}

/// <summary>The answer of an <see cref="IAuthenticator"/>.</summary>
public sealed class AuthenticationResult
{
    private AuthenticationResult(AuthenticationOutcome outcome, ClaimsPrincipal? principal, DateTimeOffset? expiresAt, string? failure)
    {
        Outcome = outcome;
        Principal = principal;
        ExpiresAt = expiresAt;
        FailureReason = failure;
        Subject = principal is null ? null : SubjectOf(principal);
    }

    /// <summary>Not recognised: the next authenticator decides.</summary>
    public static AuthenticationResult NoResult { get; } = new(AuthenticationOutcome.NoResult, null, null, null);

    /// <summary>What was decided.</summary>
    public AuthenticationOutcome Outcome { get; }

    /// <summary>Who the client is, on success.</summary>
    public ClaimsPrincipal? Principal { get; }

    /// <summary>
    /// When the credentials stop being good (a token's expiry, an API key's), or null for never. A session that has not
    /// refreshed its credentials by then is closed with <see cref="TetherErrorCode.CredentialsExpired"/>.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Why the credentials were refused (sent to the client; it must never contain a secret).</summary>
    public string? FailureReason { get; }

    /// <summary>
    /// The principal's stable identity, compared on resume and refresh: its <see cref="ClaimTypes.NameIdentifier"/>
    /// claim, else its name, else its authentication type. Rotating an API key or renewing a token keeps it.
    /// </summary>
    public string? Subject { get; }

    /// <summary>Authenticated as <paramref name="principal"/> until <paramref name="expiresAt"/> (null: no expiry).</summary>
    public static AuthenticationResult Success(ClaimsPrincipal principal, DateTimeOffset? expiresAt = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity is not { IsAuthenticated: true })
        {
            throw new ArgumentException("An authenticated principal needs an identity with an authentication type.", nameof(principal));
        }

        return new AuthenticationResult(AuthenticationOutcome.Success, principal, expiresAt, null);
    }

    /// <summary>Refused, with a reason the client is told (no secrets in it).</summary>
    public static AuthenticationResult Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new AuthenticationResult(AuthenticationOutcome.Failure, null, null, reason);
    }

    internal static string SubjectOf(ClaimsPrincipal principal) =>
        principal.FindFirst(ClaimTypes.NameIdentifier)?.Value
        ?? principal.Identity?.Name
        ?? principal.Identity?.AuthenticationType
        ?? "";
}
