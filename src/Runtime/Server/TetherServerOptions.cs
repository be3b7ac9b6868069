using System.ComponentModel.DataAnnotations;
using System.Net;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Server;

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



    /// <summary>Send a handler's exception type and message to the caller instead of the generic text.</summary>
    /// <remarks>Defaults to false: exception text can leak internals.</remarks>
    public bool IncludeExceptionDetails { get; set; }




    private protected override IEnumerable<ValidationResult> ValidateSide() =>
        OptionChecks.Positive(HandshakeTimeout, nameof(HandshakeTimeout))
            .Concat(OptionChecks.NotNegative(DrainTimeout, nameof(DrainTimeout)));

    internal Connections.ConnectionSettings CreateSettings(Microsoft.Extensions.Logging.ILogger logger, Connections.HandlerRegistry handlers) =>
        CreateSettings(isServer: true, MaxInFlightCallsPerSession, maxPendingCalls: 10_000, HandshakeTimeout, IncludeExceptionDetails,
            streamBufferItems: 256, logger, handlers);
}
