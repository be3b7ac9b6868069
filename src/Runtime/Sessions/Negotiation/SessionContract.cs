namespace Tether;

/// <summary>What negotiation settled for a session; the same on both sides (<see cref="TetherPeer.Contract"/>).</summary>
/// <param name="SessionId">The session's identity, chosen by the server, kept across resumes.</param>
/// <param name="Version">The protocol version in use (the highest both sides speak, unless the policy downgraded it).</param>
/// <param name="Transport">The transport the server selected for the session (the client prefers it when it reconnects).</param>
/// <param name="Services">The server's services granted to the client (what it asked for and the server offers).</param>
/// <param name="ClientServices">The client's services (its push handlers), as it declared them.</param>
/// <param name="Resumable">Whether frames are sequenced and the session can resume on a new link.</param>
public sealed record SessionContract(
    Guid SessionId,
    int Version,
    string Transport,
    IReadOnlyList<Capability> Services,
    IReadOnlyList<Capability> ClientServices,
    bool Resumable)
{
    /// <summary>
    /// Whether the server keeps the session in a durable store (<see cref="TetherServerOptions.DurableSessions"/>): it
    /// survives the server process, and its calls travel on the connection's own stream (no per-call QUIC streams), one
    /// numbered sequence that the store logs.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>
    /// The methods the server declares deprecated, from its hello (wire format §7.2): a client logs a warning for each
    /// when the session starts and raises <see cref="TetherClient.MethodsDeprecated"/>. Empty when there are none.
    /// </summary>
    public IReadOnlyList<DeprecatedMethod> DeprecatedMethods { get; init; } = [];

    /// <summary>
    /// How both sides compress large frames (<see cref="CompressionOptions"/>): the first algorithm the client offered that
    /// the server accepts, or <see cref="CompressionAlgorithm.None"/>.
    /// </summary>
    public CompressionAlgorithm Compression { get; init; }

    /// <summary>Whether the server granted a service of this name.</summary>
    public bool Has(string serviceName) => Services.Any(s => string.Equals(s.Name, serviceName, StringComparison.Ordinal));

    /// <summary>
    /// Whether a resume may continue this contract under <paramref name="renewed"/>: same version and every granted
    /// service still granted at the same version (a resume must not change what calls mean).
    /// </summary>
    public bool IsCompatibleWith(SessionContract renewed) =>
        renewed.Version == Version
        && renewed.Resumable
        && Services.All(s => renewed.Services.Contains(s));
}
