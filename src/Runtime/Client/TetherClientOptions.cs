using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Net;
using Tether.Internal;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Client;

/// <summary>Options for <see cref="TetherClient"/>.</summary>
public sealed class TetherClientOptions : IValidatableObject
{
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

    /// <summary>Timeout for calls made without one.</summary>
    /// <remarks>Defaults to 30 seconds; <see cref="Timeout.InfiniteTimeSpan"/> for none.</remarks>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed to open the connection and complete the hello exchange.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame payload accepted from the server.</summary>
    /// <remarks>Defaults to 4 MiB.</remarks>
    [Range(4 * 1024, 256 * 1024 * 1024)]
    public int MaxFrameSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Time a frame has to arrive completely once its first byte is in.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes queued for the server before sends wait.</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    [Range(16 * 1024, long.MaxValue)]
    public long SendQueueLimit { get; set; } = 1024 * 1024;

    /// <summary>Pushes from the server handled at once; more wait (nothing is dropped).</summary>
    /// <remarks>Defaults to 1,000.</remarks>
    [Range(1, 1_000_000)]
    public int MaxConcurrentPushes { get; set; } = 1000;

    /// <summary>Stream items buffered per stream before the client stops reading the connection for the slow consumer.</summary>
    /// <remarks>Defaults to 256.</remarks>
    [Range(1, 1_000_000)]
    public int StreamBufferItems { get; set; } = 256;

    /// <summary>How often call timeouts are checked (their resolution).</summary>
    /// <remarks>Defaults to 50 milliseconds.</remarks>
    public TimeSpan TimerInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Deepest message nesting a decoder accepts.</summary>
    /// <remarks>Defaults to 64.</remarks>
    [Range(1, 256)]
    public int MaxDecodeDepth { get; set; } = 64;

    /// <summary>Memory for the connection's pipes.</summary>
    /// <remarks>Defaults to <see cref="Pooling.TieredMemoryPool.Default"/>.</remarks>
    public MemoryPool<byte>? MemoryPool { get; set; }

    /// <summary>The clock for every timeout.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        foreach (ValidationResult result in OptionChecks.Positive(ConnectTimeout, nameof(ConnectTimeout))
            .Concat(OptionChecks.Positive(FrameTimeout, nameof(FrameTimeout)))
            .Concat(OptionChecks.Positive(TimerInterval, nameof(TimerInterval)))
            .Concat(OptionChecks.PositiveOrInfinite(DefaultCallTimeout, nameof(DefaultCallTimeout))))
        {
            yield return result;
        }
    }
}
