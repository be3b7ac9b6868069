using System.ComponentModel.DataAnnotations;
using System.Net;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether;

/// <summary>Options for <see cref="TetherServer"/>. Every limit has a default and is enforced with a typed error.</summary>
public sealed class TetherServerOptions : TetherConnectionOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public TetherServerOptions()
        : base(timerInterval: TimeSpan.FromSeconds(1))
    {
    }

    /// <summary>Where to listen.</summary>
    /// <remarks>Defaults to 127.0.0.1 on a free port (read the bound port from <see cref="TetherServer.LocalEndPoint"/>).</remarks>
    [Required]
    public EndPoint EndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

    /// <summary>The transport that listens.</summary>
    /// <remarks>Defaults to <see cref="TcpTransport.Default"/>.</remarks>
    [Required]
    public ITransportListenerFactory Transport { get; set; } = TcpTransport.Default;

    /// <summary>
    /// The most items of one call's request stream (client-streaming and bidirectional methods) held for its handler: the
    /// top of the stream's flow-control window, which starts at 32 and doubles while the link, not the handler, is the
    /// limit (decision 0026). A handler that stops reading stops its caller's writer only, never the connection.
    /// </summary>
    /// <remarks>Defaults to 256.</remarks>
    [Range(32, 1_000_000)]
    public int StreamBufferItems { get; set; } = 256;

    /// <summary>Connections held at once; one more is refused with <see cref="TetherErrorCode.ConnectionLimitExceeded"/>.</summary>
    /// <remarks>Defaults to 10,000.</remarks>
    [Range(1, 10_000_000)]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Calls one session may run at once; one more is answered with <see cref="TetherErrorCode.InFlightCallsExceeded"/> (one-way messages wait instead).</summary>
    /// <remarks>Defaults to 1,000.</remarks>
    [Range(1, 1_000_000)]
    public int MaxInFlightCallsPerSession { get; set; } = 1000;

    /// <summary>Time a new connection has to send its hello.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="TetherServer.StopAsync"/> lets running calls finish before cancelling them.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>More places to listen (other transports or addresses) beside <see cref="EndPoint"/>; a session may resume on any of them.</summary>
    public IList<ListenerOptions> AdditionalListeners { get; } = [];

    /// <summary>Versions, transports, required client services, resume, and a hook for everything else (SPEC R4.1).</summary>
    [Required]
    public NegotiationPolicy Negotiation { get; set; } = new();

    /// <summary>How long a resumable session whose link was lost waits for its client before it closes (<see cref="TetherErrorCode.SessionExpired"/>).</summary>
    /// <remarks>Defaults to 60 seconds.</remarks>
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where resume tokens are kept (as SHA-256 hashes only).</summary>
    /// <remarks>Defaults to a new <see cref="InMemorySessionStore"/> per server; with <see cref="DurableSessions"/>, its journal.</remarks>
    public ISessionStore? SessionStore { get; set; }

    /// <summary>
    /// Keeps resumable sessions in an embedded durable store in this directory (docs/durability.md): tickets, the frames
    /// sent and not acknowledged, and how far the client's frames were handled, so that after the server process is
    /// killed and started again on the same directory, each client resumes the same session, nothing is lost and every
    /// call completes once (a handler the crash interrupted runs again with the same <see cref="CallContext.Delivery"/>).
    /// <see cref="Storage.DurableStoreOptions.Durability"/> chooses when a record counts as kept.
    /// </summary>
    /// <remarks>Defaults to none: sessions live in this process (a restarted server knows none of them).</remarks>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public Storage.DurableStoreOptions? DurableSessions { get; set; }

    /// <summary>
    /// With <see cref="DurableSessions"/>: <see cref="TetherServer.StopAsync"/> keeps the durable sessions for the next
    /// server on the same directory instead of ending them (a rolling restart). Links are cut without a goaway (clients
    /// reconnect and resume there), calls already running get up to <see cref="DrainTimeout"/> to finish and be logged,
    /// and the journal is closed as it stands.
    /// </summary>
    /// <remarks>Defaults to false: a stop ends every session with a goaway, as without a store.</remarks>
    public bool KeepSessionsOnStop { get; set; }

    /// <summary>
    /// Set by a package that keeps sessions in a store shared by several nodes (Tether.Redis's
    /// <c>UseRedisSessions</c>): resumable sessions are durable there, and a node claims a session from it when its client
    /// resumes there. Not with <see cref="DurableSessions"/>.
    /// </summary>
    internal Func<Sessions.Durable.ISessionJournalLog>? SharedSessionJournal { get; set; }

    /// <summary>Authentication, authorization, rate limits and address lists (<see cref="Security.TetherSecurityOptions"/>).</summary>
    /// <remarks>Defaults to none of them: every session anonymous (or its client certificate's), every address, no limits.</remarks>
    [Required]
    public Security.TetherSecurityOptions Security { get; set; } = new();

    /// <summary>Send a handler's exception type and message to the caller instead of the generic text.</summary>
    /// <remarks>Defaults to false: exception text can leak internals.</remarks>
    public bool IncludeExceptionDetails { get; set; }

    /// <summary>
    /// Whether the server hosts the built-in introspection service (<see cref="Introspection.IIntrospection"/>,
    /// <c>tether.Introspection</c>): its services, methods and message shapes, for tools such as <c>tether inspect</c> and
    /// <c>tether call</c>. Its method has no <c>[Authorize]</c>, so the fallback authorization policy
    /// (<see cref="Security.TetherSecurityOptions.AuthorizationPolicies"/>) governs it like any other such method.
    /// </summary>
    /// <remarks>Defaults to true.</remarks>
    public bool EnableIntrospection { get; set; } = true;

    /// <summary>
    /// Whether the server hosts the built-in session administration service (<see cref="Introspection.ISessionAdmin"/>,
    /// <c>tether.Sessions</c>: list, show, end; <c>tether sessions</c>). Only principals in role
    /// <see cref="Introspection.IntrospectionNames.AdminRole"/> (<c>tether.admin</c>) may call it.
    /// </summary>
    /// <remarks>Defaults to false.</remarks>
    public bool EnableSessionAdmin { get; set; }

    /// <summary>Frame compression the server accepts (the client chooses among them, by its own order of preference), with this side's threshold and level.</summary>
    /// <remarks>Defaults to Zstd, LZ4, Brotli and GZip accepted, 1 KiB threshold, fastest level.</remarks>
    public CompressionOptions Compression { get; set; } = CompressionOptions.ServerDefault();

    /// <summary>Answering repeated calls that carry an idempotency key from the first call's result: retention and memory bounds.</summary>
    /// <remarks>Defaults to a new <see cref="IdempotencyOptions"/> (on; 10 minutes; 100,000 results, 64 MiB).</remarks>
    public IdempotencyOptions Idempotency { get; set; } = new();

    private protected override IEnumerable<ValidationResult> ValidateSide() =>
        OptionChecks.Positive(HandshakeTimeout, nameof(HandshakeTimeout))
            .Concat(OptionChecks.NotNegative(DrainTimeout, nameof(DrainTimeout)))
            .Concat(OptionChecks.Positive(ResumeWindow, nameof(ResumeWindow)))
            .Concat(DurableSessions is not null && SessionStore is not null
                ? [new ValidationResult("Set SessionStore or DurableSessions, not both: durable sessions keep their tickets in their own journal.", [nameof(SessionStore), nameof(DurableSessions)])]
                : [])
            .Concat(SharedSessionJournal is not null && (DurableSessions is not null || SessionStore is not null)
                ? [new ValidationResult("Sessions kept in a shared store (UseRedisSessions) exclude DurableSessions and SessionStore.", [nameof(SessionStore), nameof(DurableSessions)])]
                : [])
            .Concat(DurableSessions is { Directory.Length: 0 }
                ? [new ValidationResult("DurableSessions.Directory is required.", ["DurableSessions.Directory"])]
                : [])
            .Concat(Negotiation.Versions.Count > 0 && Negotiation.Versions.All(static v => v == Framing.ProtocolConstants.Version)
                ? []
                : [new ValidationResult($"Negotiation.Versions may list only {Framing.ProtocolConstants.Version}, the protocol version this build speaks.", ["Negotiation.Versions"])])
            .Concat((Idempotency?.Problems() ?? []).Select(static p => new ValidationResult(p, [nameof(Idempotency)])))
            .Concat((Compression?.Problems() ?? []).Select(static p => new ValidationResult(p, [nameof(Compression)])));

    internal Connections.ConnectionSettings CreateSettings(Microsoft.Extensions.Logging.ILogger logger, Connections.HandlerRegistry handlers, Sessions.ISessionRegistry registry) =>
        CreateSettings(isServer: true, MaxInFlightCallsPerSession, maxPendingCalls: 10_000, HandshakeTimeout, IncludeExceptionDetails,
            StreamBufferItems, logger, handlers, registry: registry);
}
