using Microsoft.AspNetCore.Authorization;
using Tether.Security;

namespace Tether.Conformance.Tests.Support;

/// <summary>
/// A service under authorization: every method needs an authenticated caller (class-level [Authorize]) unless it says
/// otherwise; methods add roles, a policy, or open themselves up; two carry rate-limit policies.
/// </summary>
[Handler(ServiceName = "Vault")]
[Authorize]
public sealed partial class VaultHandler
{
    public const string TenantPolicy = "tenant-acme";

    /// <summary>What a server hosting the vault must configure: its authorization policy and its rate-limit policy (generous).</summary>
    public static void Require(TetherSecurityOptions security)
    {
        security.AuthorizationPolicies.AddPolicy(TenantPolicy, p => p.RequireClaim("tenant", "acme"));
        security.RateLimits.Policies["metered"] = RateLimitPolicy.TokenBucket(RateLimitPartition.Session, permitsPerSecond: 10_000, burst: 10_000);
    }

    public ValueTask<VaultReply> Whoami(VaultProbe request, CallContext context) => new(Reply(request, context));

    [AllowAnonymous]
    public ValueTask<VaultReply> Status(VaultProbe request, CallContext context) => new(Reply(request, context));

    [Authorize(Roles = "admin")]
    public ValueTask<VaultReply> Purge(VaultProbe request, CallContext context) => new(Reply(request, context));

    [Authorize(Policy = TenantPolicy)]
    public ValueTask<VaultReply> Tenant(VaultProbe request, CallContext context) => new(Reply(request, context));

    [AllowAnonymous]
    [RateLimit("metered", Weight = 2)]
    public ValueTask<VaultReply> Metered(VaultProbe request, CallContext context) => new(Reply(request, context));

    [AllowAnonymous]
    [OneWay]
    [RateLimit("metered")]
    public ValueTask Note(VaultProbe request, CallContext context)
    {
        Notes.Writer.TryWrite(request.Id);
        return default;
    }

    /// <summary>One-way notes as they ran.</summary>
    public System.Threading.Channels.Channel<int> Notes { get; } = System.Threading.Channels.Channel.CreateUnbounded<int>();

    private static VaultReply Reply(VaultProbe request, CallContext context) =>
        new(request.Id, context.User.Identity?.Name ?? "", context.User.Identity?.AuthenticationType ?? "");
}

/// <summary>
/// A bearer-token authenticator for tests: <c>user:NAME:ROLE,ROLE:TENANT:SECONDS</c> (seconds 0: no expiry); a token
/// that does not start with <c>user:</c> is refused. Records each request it sees.
/// </summary>
public sealed class TestTokenAuthenticator(TimeProvider? time = null) : IAuthenticator
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public System.Threading.Channels.Channel<AuthenticationPurpose> Seen { get; } = System.Threading.Channels.Channel.CreateUnbounded<AuthenticationPurpose>();

    public static TetherCredentials Token(string name, string roles = "", string tenant = "", int seconds = 0) =>
        TetherCredentials.Bearer($"user:{name}:{roles}:{tenant}:{seconds}");

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (request.Credentials is not { Scheme: TetherCredentials.BearerScheme } credentials)
        {
            return new(AuthenticationResult.NoResult);
        }

        Seen.Writer.TryWrite(request.Purpose);
        string[] parts = credentials.GetSecretText().Split(':');
        if (parts.Length != 5 || parts[0] != "user")
        {
            return new(AuthenticationResult.Fail("The token is not valid."));
        }

        var claims = new List<System.Security.Claims.Claim>
        {
            new(System.Security.Claims.ClaimTypes.NameIdentifier, parts[1]),
            new(System.Security.Claims.ClaimTypes.Name, parts[1]),
            new("tenant", parts[3]),
        };
        claims.AddRange(parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(static r => new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, r)));
        int seconds = int.Parse(parts[4], System.Globalization.CultureInfo.InvariantCulture);
        return new(AuthenticationResult.Success(
            new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(claims, "Test")),
            seconds > 0 ? _time.GetUtcNow().AddSeconds(seconds) : null));
    }
}
