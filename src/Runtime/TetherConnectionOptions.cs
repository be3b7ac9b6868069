using System.Buffers;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Tether.Connections;
using Tether.Internal;
using Tether.Serialization;

namespace Tether;

/// <summary>What every connection needs, whichever side it is on: frame and queue limits, timeouts, memory, clock.</summary>
public abstract class TetherConnectionOptions : IValidatableObject
{
    private protected TetherConnectionOptions(TimeSpan timerInterval) => TimerInterval = timerInterval;

    /// <summary>Largest frame payload accepted from the peer, checked from the header before any of the payload is buffered.</summary>
    /// <remarks>Defaults to 4 MiB. A larger claim is answered with a goaway (<see cref="TetherErrorCode.FrameTooLarge"/>) and that connection is closed.</remarks>
    [Range(4 * 1024, 256 * 1024 * 1024)]
    public int MaxFrameSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Time a frame has to arrive completely once its first byte is in (stops slow senders holding buffers).</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes queued for the peer before sends are backpressured (replies and calls wait, pushes are refused).</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    [Range(16 * 1024, long.MaxValue)]
    public long SendQueueLimit { get; set; } = 1024 * 1024;

    /// <summary>Timeout for calls made without one.</summary>
    /// <remarks>Defaults to 30 seconds; <see cref="Timeout.InfiniteTimeSpan"/> for none.</remarks>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often timeouts are checked (their resolution).</summary>
    /// <remarks>Defaults to 1 second on a server and 50 milliseconds on a client.</remarks>
    public TimeSpan TimerInterval { get; set; }

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
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext) =>
        OptionChecks.Positive(FrameTimeout, nameof(FrameTimeout))
            .Concat(OptionChecks.Positive(TimerInterval, nameof(TimerInterval)))
            .Concat(OptionChecks.PositiveOrInfinite(DefaultCallTimeout, nameof(DefaultCallTimeout)))
            .Concat(ValidateSide());

    /// <summary>Checks of the side's own time spans (data annotations cannot express them without reflection).</summary>
    private protected abstract IEnumerable<ValidationResult> ValidateSide();

    /// <summary>The settings every connection of this side runs with.</summary>
    private protected ConnectionSettings CreateSettings(
        bool isServer, int maxInFlightCalls, int maxPendingCalls, TimeSpan handshakeTimeout, bool includeExceptionDetails,
        int streamBufferItems, ILogger logger, HandlerRegistry handlers) => new()
    {
        IsServer = isServer,
        MaxFrameSize = MaxFrameSize,
        SendQueueLimit = SendQueueLimit,
        MaxInFlightCalls = maxInFlightCalls,
        MaxPendingCalls = maxPendingCalls,
        DecodeOptions = new DecodeOptions { MaxDepth = MaxDecodeDepth },
        HandshakeTimeout = handshakeTimeout,
        FrameTimeout = FrameTimeout,
        DefaultCallTimeout = DefaultCallTimeout,
        IncludeExceptionDetails = includeExceptionDetails,
        StreamBufferItems = streamBufferItems,
        TimeProvider = TimeProvider,
        Logger = logger,
        Handlers = handlers,
    };
}
