using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether;

/// <summary>Options for <see cref="TetherClient"/>.</summary>
public sealed class TetherClientOptions : TetherConnectionOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public TetherClientOptions()
        : base(timerInterval: TimeSpan.FromMilliseconds(50))
    {
    }

    /// <summary>The server to connect to when <see cref="TetherClient.StartAsync(CancellationToken)"/> is called without an address (and by the hosted client).</summary>
    public EndPoint? EndPoint { get; set; }

    /// <summary>The transport that connects.</summary>
    /// <remarks>Defaults to <see cref="TcpTransport.Default"/>.</remarks>
    [Required]
    public ITransportConnector Transport { get; set; } = TcpTransport.Default;

    /// <summary>Calls that may wait for replies at once; one more fails at once with <see cref="TetherErrorCode.PendingCallsExceeded"/>.</summary>
    /// <remarks>Defaults to 50,000.</remarks>
    [Range(1, (1 << 20) - 2)]
    public int MaxPendingCalls { get; set; } = 50_000;


    /// <summary>Time allowed to open the connection and complete the hello exchange.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);




    /// <summary>Pushes from the server handled at once; more wait (nothing is dropped).</summary>
    /// <remarks>Defaults to 1,000.</remarks>
    [Range(1, 1_000_000)]
    public int MaxConcurrentPushes { get; set; } = 1000;

    /// <summary>
    /// The most items of one server or bidirectional stream held for a reader: the top of the stream's flow-control
    /// window, which starts at 32 and doubles while the link, not the reader, is the limit (decision 0026). A reader that
    /// stops stops that stream's sender only; the connection's other calls go on.
    /// </summary>
    /// <remarks>Defaults to 256.</remarks>
    [Range(32, 1_000_000)]
    public int StreamBufferItems { get; set; } = 256;

    /// <summary>Ask the server for a resumable session (sequenced frames, replay, resume after a lost link).</summary>
    /// <remarks>Defaults to true. The server's <see cref="NegotiationPolicy.AllowResume"/> decides.</remarks>
    public bool Resumable { get; set; } = true;

    /// <summary>Services the client needs (required) or can use (optional) from the server, sent in the hello; see <see cref="Require{THandler}"/>.</summary>
    public IList<CapabilityRequest> Capabilities { get; } = [];

    /// <summary>Other ways to reach the same server, advertised in the hello; a reconnect tries the transport the server selected first, then these in order.</summary>
    public IList<TransportRoute> AlternateRoutes { get; } = [];

    /// <summary>
    /// Credentials presented in every hello (new session and resume): an API key, a bearer token, or the application's
    /// own scheme. <see cref="CredentialsProvider"/>, when set, is asked instead. Never logged.
    /// </summary>
    public Security.TetherCredentials? Credentials { get; set; }

    /// <summary>
    /// Asked for fresh credentials before every hello, and to refresh them on the live session when the server said they
    /// expire (at 80 % of their lifetime), so a session outlives its tokens without reconnecting.
    /// </summary>
    public Func<CancellationToken, ValueTask<Security.TetherCredentials>>? CredentialsProvider { get; set; }

    /// <summary>Reconnecting after a lost link: backoff, jitter, attempts.</summary>
    [ValidateObjectMembers]
    public ReconnectOptions Reconnect { get; set; } = new();

    /// <summary>
    /// How calls of methods marked <see cref="MethodAttribute.Idempotent"/> are retried (attempts, backoff, retryable
    /// codes, budget); <see cref="RetryPolicy.None"/> turns retries off. A call's <see cref="CallOptions.Retry"/> overrides it.
    /// </summary>
    /// <remarks>Defaults to a new <see cref="RetryPolicy"/> (3 attempts, 50 ms backoff doubling to 2 s, a budget of 10 tokens).</remarks>
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>Frame compression offered to the server (algorithms in order of preference), with this side's threshold and level.</summary>
    /// <remarks>Defaults to none offered (a new <see cref="CompressionOptions"/> with no algorithms).</remarks>
    public CompressionOptions Compression { get; set; } = new();

    /// <summary>Requires the server to offer the service <typeparamref name="THandler"/> declares (at its version or later); negotiation fails with <see cref="TetherErrorCode.MissingCapability"/> otherwise.</summary>
    public TetherClientOptions Require<THandler>()
        where THandler : class, IMessageHandler<THandler>
    {
        Capabilities.Add(CapabilityRequest.For<THandler>(required: true));
        return this;
    }

    /// <summary>Asks for the service <typeparamref name="THandler"/> declares if the server offers it (see <see cref="SessionContract.Has"/>).</summary>
    public TetherClientOptions Prefer<THandler>()
        where THandler : class, IMessageHandler<THandler>
    {
        Capabilities.Add(CapabilityRequest.For<THandler>(required: false));
        return this;
    }

    private protected override IEnumerable<ValidationResult> ValidateSide() =>
        OptionChecks.Positive(ConnectTimeout, nameof(ConnectTimeout))
            .Concat(OptionChecks.Positive(Reconnect.InitialDelay, "Reconnect.InitialDelay"))
            .Concat(Reconnect.MaxDelay < Reconnect.InitialDelay
                ? [new ValidationResult($"Reconnect.MaxDelay ({Reconnect.MaxDelay}) must not be shorter than Reconnect.InitialDelay ({Reconnect.InitialDelay}).", ["Reconnect.MaxDelay"])]
                : [])
            .Concat(Retry?.Problem() is { } retry ? [new ValidationResult($"Retry: {retry}", [nameof(Retry)])] : [])
            .Concat((Compression?.Problems() ?? []).Select(static p => new ValidationResult(p, [nameof(Compression)])));

    internal Connections.ConnectionSettings CreateSettings(Microsoft.Extensions.Logging.ILogger logger, Connections.HandlerRegistry handlers) =>
        CreateSettings(isServer: false, MaxConcurrentPushes, MaxPendingCalls, ConnectTimeout, includeExceptionDetails: false,
            StreamBufferItems, logger, handlers,
            client: new Connections.ClientSessionSettings
            {
                Requested = [.. Capabilities],
                Services = [.. handlers.Services.Select(static s => new Capability(s.Name, s.Version))],
                AlternateTransports = [.. AlternateRoutes.Select(static r => r.Name)],
                WantsResume = Resumable,
                Credentials = CredentialsSource(),
                RefreshesCredentials = CredentialsProvider is not null,
                Compression = [.. Compression?.Algorithms ?? []],
            });

    private Func<CancellationToken, ValueTask<Security.TetherCredentials?>>? CredentialsSource()
    {
        if (CredentialsProvider is { } provider)
        {
            return async cancellationToken => await provider(cancellationToken).ConfigureAwait(false);
        }

        Security.TetherCredentials? fixedCredentials = Credentials;
        return fixedCredentials is null ? null : _ => new ValueTask<Security.TetherCredentials?>(fixedCredentials);
    }
}
