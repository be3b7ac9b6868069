using System.Collections.Frozen;
using Tether.Connections;

namespace Tether.Security;

/// <summary>
/// One generation of the server's reloadable security settings (authenticators, address lists, rate limits), swapped
/// whole by <see cref="ServerSecurity.Update"/> so a check never sees half of a reload. Owns its limiters.
/// </summary>
internal sealed class SecurityPolicy : IDisposable
{
    private readonly PolicyLimiter?[] _byMethod; // by route ordinal, resolved at construction

    public SecurityPolicy(TetherSecurityOptions options, IReadOnlyList<HandlerRoute> routes, int methodCount)
    {
        Authenticators = [.. options.Authenticators];
        RequireAuthentication = options.RequireAuthentication;
        Addresses = new AddressRules(options.AllowedNetworks, options.DeniedNetworks);
        TetherRateLimitOptions limits = options.RateLimits ?? new TetherRateLimitOptions();
        Global = limits.Global is { } global ? new PolicyLimiter("global", global) : null;
        Connections = limits.Connections is { } connections ? new PolicyLimiter("connections", connections) : null;
        Handshakes = limits.Handshakes is { } handshakes ? new PolicyLimiter("handshakes", handshakes) : null;
        Named = limits.Policies.ToFrozenDictionary(static p => p.Key, static p => new PolicyLimiter(p.Key, p.Value), StringComparer.Ordinal);
        PolicyCount = Named.Count;
        _byMethod = new PolicyLimiter?[methodCount];
        var missing = new List<string>();
        foreach (HandlerRoute route in routes)
        {
            string? name = NamedPolicyOf(route.Method, limits.Methods);
            if (name is null)
            {
                continue;
            }

            if (Named.TryGetValue(name, out PolicyLimiter? limiter))
            {
                _byMethod[route.Ordinal] = limiter;
            }
            else
            {
                missing.Add($"'{name}' (used by {route.Method?.FullName})");
            }
        }

        if (missing.Count > 0)
        {
            Dispose();
            throw new InvalidOperationException($"Rate-limit policies not configured in RateLimits.Policies: {string.Join(", ", missing)}.");
        }

        LimitsCalls = Global is not null || _byMethod.Any(static l => l is not null);
        PolicyLimiter[] all = [.. new[] { Global, Connections, Handshakes }.OfType<PolicyLimiter>(), .. Named.Values];
        _limiters = all;
        if (all.Length > 0)
        {
            // Replenishes partitions that do not replenish themselves, and drops idle ones (PolicyLimiter.Heartbeat).
            _heartbeat = new Timer(static s => ((SecurityPolicy)s!).Heartbeat(), this, HeartbeatInterval, HeartbeatInterval);
        }
    }

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(100);
    private readonly PolicyLimiter[] _limiters = [];
    private readonly Timer? _heartbeat;
    private int _beating;

    private void Heartbeat()
    {
        if (Interlocked.Exchange(ref _beating, 1) != 0)
        {
            return; // the previous beat still runs
        }

        try
        {
            foreach (PolicyLimiter limiter in _limiters)
            {
                limiter.Heartbeat();
            }
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    public IAuthenticator[] Authenticators { get; }

    public bool RequireAuthentication { get; }

    public AddressRules Addresses { get; }

    public PolicyLimiter? Global { get; }

    public PolicyLimiter? Connections { get; }

    public PolicyLimiter? Handshakes { get; }

    public FrozenDictionary<string, PolicyLimiter> Named { get; }

    public int PolicyCount { get; }

    /// <summary>Whether any call is rate-limited at all (else the call path skips the limits entirely).</summary>
    public bool LimitsCalls { get; }

    /// <summary>The named policy of a method, or null.</summary>
    public PolicyLimiter? PolicyOf(in HandlerRoute route) => _byMethod[route.Ordinal];

    // Configuration first (the method's full name, then its service), then the attribute.
    private static string? NamedPolicyOf(MethodDescriptor? method, IDictionary<string, string> configured) =>
        method is null ? null
        : configured.TryGetValue(method.FullName, out string? byMethod) ? byMethod
        : configured.TryGetValue(method.ServiceName, out string? byService) ? byService
        : method.Access?.RateLimitPolicy;

    public void Dispose()
    {
        _heartbeat?.Dispose();
        Global?.Dispose();
        Connections?.Dispose();
        Handshakes?.Dispose();
        foreach (PolicyLimiter limiter in Named?.Values ?? [])
        {
            limiter.Dispose();
        }
    }
}
