namespace Tether.Security;

/// <summary>
/// The server's rate limits (<see cref="TetherSecurityOptions.RateLimits"/>): one for every call, named policies that
/// services and methods opt into (<see cref="RateLimitAttribute"/> or <see cref="Methods"/>), and separate limits on
/// accepted connections and on hellos, so a connection or handshake flood costs the server little.
/// </summary>
public sealed class TetherRateLimitOptions
{
    /// <summary>Applies to every call (with the method's weight), before its own policy; null: none.</summary>
    public RateLimitPolicy? Global { get; set; }

    /// <summary>Named policies, for <see cref="RateLimitAttribute"/> and <see cref="Methods"/>.</summary>
    public IDictionary<string, RateLimitPolicy> Policies { get; } = new Dictionary<string, RateLimitPolicy>(StringComparer.Ordinal);

    /// <summary>
    /// Policies given by configuration instead of attributes: a method's full name (<c>Service/Method</c>) or a service's
    /// name mapped to a policy name. An entry here wins over an attribute (operators can retune without a build).
    /// </summary>
    public IDictionary<string, string> Methods { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Limits accepted connections (partition by <see cref="RateLimitPartition.Server"/> or
    /// <see cref="RateLimitPartition.RemoteAddress"/>); a connection over it is closed before a byte of it is read.
    /// </summary>
    public RateLimitPolicy? Connections { get; set; }

    /// <summary>
    /// Limits hellos and credentials refreshes (partition by <see cref="RateLimitPartition.Server"/> or
    /// <see cref="RateLimitPartition.RemoteAddress"/>), checked before any authenticator runs; one over it is refused
    /// with <see cref="TetherErrorCode.RateLimited"/>. This is what makes guessing keys slow.
    /// </summary>
    public RateLimitPolicy? Handshakes { get; set; }
}
