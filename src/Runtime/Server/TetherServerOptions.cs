using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Net;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Server;

/// <summary>Options for <see cref="TetherServer"/>. Every limit has a default and is enforced with a typed error.</summary>
public sealed class TetherServerOptions : IValidatableObject
{
    /// <summary>Where to listen.</summary>
    /// <remarks>Defaults to 127.0.0.1 on a free port (read the bound port from <see cref="TetherServer.LocalEndPoint"/>).</remarks>
    [Required]
    public EndPoint EndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

    /// <summary>The transport that listens.</summary>
    /// <remarks>Defaults to <see cref="TcpTransport.Default"/>.</remarks>
    [Required]
    public ITransportListenerFactory Transport { get; set; } = TcpTransport.Default;

    /// <summary>Largest frame payload accepted, checked from the header before any of the payload is buffered.</summary>
    /// <remarks>Defaults to 4 MiB. A larger claim is answered with a goaway (<see cref="TetherErrorCode.FrameTooLarge"/>) and that connection is closed.</remarks>
    [Range(4 * 1024, 256 * 1024 * 1024)]
    public int MaxFrameSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Connections held at once; one more is refused with <see cref="TetherErrorCode.ConnectionLimitExceeded"/>.</summary>
    /// <remarks>Defaults to 10,000.</remarks>
    [Range(1, 10_000_000)]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Calls one session may run at once; one more is answered with <see cref="TetherErrorCode.InFlightCallsExceeded"/> (one-way messages wait instead).</summary>
    /// <remarks>Defaults to 1,000.</remarks>
    [Range(1, 1_000_000)]
    public int MaxInFlightCallsPerSession { get; set; } = 1000;

    /// <summary>Bytes queued for one session before its sends are backpressured (replies wait, pushes are refused).</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    [Range(16 * 1024, long.MaxValue)]
    public long SendQueueLimit { get; set; } = 1024 * 1024;

    /// <summary>Time a new connection has to send its hello.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a frame has to arrive completely once its first byte is in (stops slow senders holding buffers).</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="TetherServer.StopAsync"/> lets running calls finish before cancelling them.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout for calls the server makes to a session (<see cref="TetherPeer.RequestAsync{TRequest, TResponse}(TRequest, CancellationToken)"/>).</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often timeouts are checked.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan TimerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Send a handler's exception type and message to the caller instead of the generic text.</summary>
    /// <remarks>Defaults to false: exception text can leak internals.</remarks>
    public bool IncludeExceptionDetails { get; set; }

    /// <summary>Deepest message nesting a decoder accepts.</summary>
    /// <remarks>Defaults to 64.</remarks>
    [Range(1, 256)]
    public int MaxDecodeDepth { get; set; } = 64;

    /// <summary>Memory for the connections' pipes.</summary>
    /// <remarks>Defaults to <see cref="Pooling.TieredMemoryPool.Default"/>.</remarks>
    public MemoryPool<byte>? MemoryPool { get; set; }

    /// <summary>The clock for every timeout.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        foreach (ValidationResult result in OptionChecks.Positive(HandshakeTimeout, nameof(HandshakeTimeout))
            .Concat(OptionChecks.Positive(FrameTimeout, nameof(FrameTimeout)))
            .Concat(OptionChecks.Positive(TimerInterval, nameof(TimerInterval)))
            .Concat(OptionChecks.NotNegative(DrainTimeout, nameof(DrainTimeout)))
            .Concat(OptionChecks.PositiveOrInfinite(DefaultCallTimeout, nameof(DefaultCallTimeout))))
        {
            yield return result;
        }
    }
}
