using System.Security.Claims;

namespace Tether.Security.ApiKeys;

/// <summary>
/// Authenticates <see cref="TetherCredentials.ApiKeyScheme"/> credentials with an <see cref="ApiKeyManager"/>. The
/// principal's subject is the key id (so a rotated key is the same principal), its name the key's name, with a
/// <see cref="ClaimTypes.Role"/> claim per role and a <c>scope</c> claim per scope; it expires with the key (or with the
/// grace period, for a key rotated out). Other schemes: no result.
/// </summary>
public sealed class ApiKeyAuthenticator(ApiKeyManager manager) : IAuthenticator
{
    /// <summary>The authentication type of the principals it makes.</summary>
    public const string AuthenticationType = "ApiKey";

    /// <summary>The claim type of a key's scopes.</summary>
    public const string ScopeClaimType = "scope";

    private readonly ApiKeyManager _manager = manager ?? throw new ArgumentNullException(nameof(manager));

    /// <inheritdoc />
    public async ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Credentials is not { Scheme: TetherCredentials.ApiKeyScheme } credentials)
        {
            return AuthenticationResult.NoResult;
        }

        string key;
        try
        {
            key = credentials.GetSecretText();
        }
        catch (System.Text.DecoderFallbackException)
        {
            return AuthenticationResult.Fail("The API key is malformed.");
        }

        ApiKeyVerification verification = await _manager.VerifyAsync(key, cancellationToken).ConfigureAwait(false);
        if (verification.Record is not { } record)
        {
            return AuthenticationResult.Fail(verification.FailureReason!);
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, record.Id),
            new(ClaimTypes.Name, record.Name),
        };
        claims.AddRange(record.Roles.Select(static r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(record.Scopes.Select(static s => new Claim(ScopeClaimType, s)));
        return AuthenticationResult.Success(new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType)), verification.ExpiresAt);
    }
}
