using System.ComponentModel.DataAnnotations;
using System.Net;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Client;

/// <summary>Options for <see cref="TetherClient"/>.</summary>
public sealed class TetherClientOptions : TetherConnectionOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public TetherClientOptions()
        : base(timerInterval: TimeSpan.FromMilliseconds(50))
    {
    }

    /// <summary>The server to connect to when <see cref="TetherClient.ConnectAsync(CancellationToken)"/> is called without an address (and by the hosted client).</summary>
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

    /// <summary>Stream items buffered per stream before the client stops reading the connection for the slow consumer.</summary>
    /// <remarks>Defaults to 256.</remarks>
    [Range(1, 1_000_000)]
    public int StreamBufferItems { get; set; } = 256;





    private protected override IEnumerable<ValidationResult> ValidateSide() =>
        OptionChecks.Positive(ConnectTimeout, nameof(ConnectTimeout));

    internal Connections.ConnectionSettings CreateSettings(Microsoft.Extensions.Logging.ILogger logger, Connections.HandlerRegistry handlers) =>
        CreateSettings(isServer: false, MaxConcurrentPushes, MaxPendingCalls, ConnectTimeout, includeExceptionDetails: false,
            StreamBufferItems, logger, handlers);
}
