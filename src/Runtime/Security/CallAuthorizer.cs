using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Connections;

namespace Tether.Security;

/// <summary>
/// Evaluates the <see cref="AuthorizeAttribute"/> rules of the dispatch table through
/// <see cref="IAuthorizationService"/>. Each method's combined policy is built once; each (session, method) decision is
/// remembered on the session's <see cref="SessionIdentity"/> while its principal is unchanged, so a steady call costs
/// one array read.
/// </summary>
internal sealed class CallAuthorizer
{
    private readonly IAuthorizationService _service;
    private readonly IAuthorizationPolicyProvider _provider;
    private readonly Task<AuthorizationPolicy?>?[] _policies; // by route ordinal; a completed task with null: nothing to check
    private readonly bool[] _open; // by route ordinal: known to need no check

    public CallAuthorizer(TetherSecurityOptions options, int methodCount)
    {
        IOptions<AuthorizationOptions> policies = Options.Create(options.AuthorizationPolicies);
        _provider = options.AuthorizationPolicyProvider ?? new DefaultAuthorizationPolicyProvider(policies);
        _service = options.AuthorizationService ?? new DefaultAuthorizationService(
            _provider,
            new DefaultAuthorizationHandlerProvider([new PassThroughAuthorizationHandler(policies)]),
            NullLogger<DefaultAuthorizationService>.Instance,
            new DefaultAuthorizationHandlerContextFactory(),
            new DefaultAuthorizationEvaluator(),
            policies);
        _policies = new Task<AuthorizationPolicy?>?[methodCount];
        _open = new bool[methodCount];
    }

    /// <summary>
    /// Builds every method's policy before the first call, so a policy name that does not exist fails the server's start
    /// (not a call), and methods with nothing to check are known to be open from the first call.
    /// </summary>
    /// <exception cref="InvalidOperationException">A method names a policy the provider does not have.</exception>
    public async Task PrepareAsync(IEnumerable<HandlerRoute> routes)
    {
        foreach (HandlerRoute route in routes)
        {
            try
            {
                if (await PolicyFor(route).ConfigureAwait(false) is null)
                {
                    Volatile.Write(ref _open[route.Ordinal], true);
                }
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"The authorization of {route.Method?.FullName ?? route.MethodId.ToString(System.Globalization.CultureInfo.InvariantCulture)} cannot be built: {e.Message}", e);
            }
        }
    }

    /// <summary>The cached answer for this call, without evaluating anything: <see cref="AuthorizationDecision.Unknown"/> means <see cref="AuthorizeAsync"/> must run.</summary>
    public AuthorizationDecision Check(SessionIdentity identity, in HandlerRoute route) =>
        Volatile.Read(ref _open[route.Ordinal]) ? AuthorizationDecision.Allowed : identity.Decision(route.Ordinal);

    /// <summary>Evaluates the method's policy for the session's principal and remembers the answer.</summary>
    public async ValueTask<AuthorizationDecision> AuthorizeAsync(SessionIdentity identity, HandlerRoute route)
    {
        AuthorizationPolicy? policy = await PolicyFor(route).ConfigureAwait(false);
        if (policy is null)
        {
            Volatile.Write(ref _open[route.Ordinal], true);
            return AuthorizationDecision.Allowed;
        }

        AuthorizationResult result = await _service.AuthorizeAsync(identity.Principal, route.Method, policy).ConfigureAwait(false);
        AuthorizationDecision decision = result.Succeeded ? AuthorizationDecision.Allowed
            : identity.IsAuthenticated ? AuthorizationDecision.Denied
            : AuthorizationDecision.Unauthenticated;
        identity.Remember(route.Ordinal, decision);
        return decision;
    }

    private Task<AuthorizationPolicy?> PolicyFor(in HandlerRoute route)
    {
        ref Task<AuthorizationPolicy?>? slot = ref _policies[route.Ordinal];
        Task<AuthorizationPolicy?>? policy = Volatile.Read(ref slot);
        if (policy is null || policy.IsFaulted)
        {
            policy = BuildAsync(route.Method?.Access);
            Volatile.Write(ref slot, policy);
        }

        return policy;
    }

    // As ASP.NET Core does for an endpoint: [AllowAnonymous] wins; otherwise every [Authorize] combined; a method with
    // neither falls back to the fallback policy (none unless configured).
    private async Task<AuthorizationPolicy?> BuildAsync(MethodAccess? access)
    {
        if (access?.AllowAnonymous == true)
        {
            return null;
        }

        return access is { Authorize.Count: > 0 }
            ? await AuthorizationPolicy.CombineAsync(_provider, access.Authorize).ConfigureAwait(false)
            : await _provider.GetFallbackPolicyAsync().ConfigureAwait(false);
    }
}
