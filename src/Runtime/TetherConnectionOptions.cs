using System.Buffers;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Tether.Connections;
using Tether.Internal;

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

    /// <summary>
    /// Whether calls made without a deadline of their own send <see cref="DefaultCallTimeout"/> to the peer as their
    /// deadline, so its handler's token fires when the caller gives up. Off, the default timeout stays local (the
    /// caller stops waiting and sends a cancel) and a call without options carries no headers at all.
    /// </summary>
    /// <remarks>Defaults to false. A deadline set per call (<see cref="CallOptions"/>) is always sent.</remarks>
    public bool SendDefaultDeadline { get; set; }

    /// <summary>Largest call headers block accepted from the peer (metadata, deadline, trace context), in bytes.</summary>
    /// <remarks>Defaults to 8 KiB. A larger block is refused for that call with <see cref="TetherErrorCode.CallHeadersTooLarge"/>; the connection stays.</remarks>
    [Range(256, 1024 * 1024)]
    public int MaxCallHeaderBytes { get; set; } = 8 * 1024;

    /// <summary>Most metadata entries accepted on one call or answer.</summary>
    /// <remarks>Defaults to 64. More are refused for that call with <see cref="TetherErrorCode.CallHeadersTooLarge"/>; the connection stays.</remarks>
    [Range(1, 4096)]
    public int MaxMetadataEntries { get; set; } = 64;

    /// <summary>How often timeouts are checked. Deadlines of calls fire on time regardless: a call whose deadline falls before the next check gets a timer of its own.</summary>
    /// <remarks>Defaults to 1 second on a server and 50 milliseconds on a client. A server has one timer for all its sessions; clients with the same <see cref="TimeProvider"/> and interval share one timer in the process.</remarks>
    public TimeSpan TimerInterval { get; set; }

    /// <summary>Deepest message nesting a decoder accepts.</summary>
    /// <remarks>Defaults to 64.</remarks>
    [Range(1, 256)]
    public int MaxDecodeDepth { get; set; } = 64;

    /// <summary>
    /// Where received strings of up to 256 bytes are pooled (<see cref="DecodeOptions.StringPool"/>), or null (the
    /// default) to allocate each one. Opt in when messages repeat a small set of values, such as symbols.
    /// </summary>
    public CommunityToolkit.HighPerformance.Buffers.StringPool? DecodeStringPool { get; set; }

    /// <summary>Memory for the connections' pipes.</summary>
    /// <remarks>Defaults to <see cref="TieredMemoryPool.Default"/>.</remarks>
    public MemoryPool<byte>? MemoryPool { get; set; }

    /// <summary>Interval of heartbeat pings; the peer is declared dead after <see cref="HeartbeatMisses"/> intervals without a sign of life (SPEC R4.3).</summary>
    /// <remarks>Defaults to 15 seconds; <see cref="Timeout.InfiniteTimeSpan"/> turns heartbeats off.</remarks>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Heartbeat intervals without hearing from the peer before its link is declared dead (<see cref="TetherErrorCode.PeerUnresponsive"/>).</summary>
    /// <remarks>Defaults to 3.</remarks>
    [Range(1, 1000)]
    public int HeartbeatMisses { get; set; } = 3;

    /// <summary>Bytes of sent, unacknowledged frames a resumable session keeps for replay. Past it, one-way sends wait for acknowledgements while a link is up; without a link, the session overflows and cannot resume (<see cref="TetherErrorCode.ReplayBufferOverflow"/>).</summary>
    /// <remarks>Defaults to 8 MiB.</remarks>
    [Range(64 * 1024, long.MaxValue)]
    public long ReplayBufferBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Frames a resumable session keeps for replay (the count bound beside <see cref="ReplayBufferBytes"/>).</summary>
    /// <remarks>Defaults to 262,144 (with small messages the byte bound is usually reached first).</remarks>
    [Range(16, int.MaxValue)]
    public int ReplayBufferFrames { get; set; } = 262_144;

    /// <summary>One-way sends waiting for the peer's acknowledgement at once (<see cref="CallOptions.WaitForAcknowledgement"/>); more wait for a slot.</summary>
    /// <remarks>Defaults to 4,096.</remarks>
    [Range(1, 1_000_000)]
    public int MaxUnacknowledgedSends { get; set; } = 4096;

    /// <summary>
    /// Where the <c>Tether</c> meter comes from (<c>docs/metrics.md</c>). Through <c>AddTetherServer</c>/<c>AddTetherClient</c>,
    /// the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>.
    /// </summary>
    /// <remarks>Defaults to none: a process-wide <c>Tether</c> meter.</remarks>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// How long a resumable session that closes gracefully (a client's dispose, a server's stop, a session's
    /// <c>CloseAsync</c>) waits after its goaway for the peer to acknowledge what it
    /// sent, so that messages the peer has are not reported as undelivered (decision 0030). The peer answers a goaway
    /// with an acknowledgement at once; this bounds a peer that does not.
    /// </summary>
    /// <remarks>
    /// Defaults to 2 seconds; <see cref="TimeSpan.Zero"/> ends the link right after the goaway (what the peer had not
    /// acknowledged is then reported undelivered). Measured on <see cref="TimeProvider"/>. A stop's cancellation token
    /// ends the wait too.
    /// </remarks>
    public TimeSpan CloseAcknowledgementTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Callbacks at the session's lifecycle moments and for every application frame (<see cref="TetherHooks"/>).</summary>
    /// <remarks>Defaults to none.</remarks>
    public TetherHooks? Hooks { get; set; }

    /// <summary>The clock for every timeout.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext) =>
        OptionChecks.Positive(FrameTimeout, nameof(FrameTimeout))
            .Concat(OptionChecks.Positive(TimerInterval, nameof(TimerInterval)))
            .Concat(OptionChecks.PositiveOrInfinite(DefaultCallTimeout, nameof(DefaultCallTimeout)))
            .Concat(OptionChecks.PositiveOrInfinite(HeartbeatInterval, nameof(HeartbeatInterval)))
            .Concat(OptionChecks.NotNegative(CloseAcknowledgementTimeout, nameof(CloseAcknowledgementTimeout)))
            .Concat(ValidateSide());

    /// <summary>Checks of the side's own time spans (data annotations cannot express them without reflection).</summary>
    private protected abstract IEnumerable<ValidationResult> ValidateSide();

    /// <summary>The settings every connection of this side runs with.</summary>
    private protected ConnectionSettings CreateSettings(
        bool isServer, int maxInFlightCalls, int maxPendingCalls, TimeSpan handshakeTimeout, bool includeExceptionDetails,
        int streamBufferItems, ILogger logger, HandlerRegistry handlers,
        ClientSessionSettings? client = null, Sessions.ISessionRegistry? registry = null) => new()
    {
        HeartbeatInterval = HeartbeatInterval,
        HeartbeatMisses = HeartbeatMisses,
        ReplayBufferBytes = ReplayBufferBytes,
        ReplayBufferFrames = ReplayBufferFrames,
        MaxUnacknowledgedSends = MaxUnacknowledgedSends,
        MemoryPool = MemoryPool ?? TieredMemoryPool.Default,
        Metrics = Observability.TetherMetrics.For(MeterFactory),
        Hooks = Hooks,
        Client = client,
        Registry = registry,
        IsServer = isServer,
        MaxFrameSize = MaxFrameSize,
        SendQueueLimit = SendQueueLimit,
        MaxInFlightCalls = maxInFlightCalls,
        MaxPendingCalls = maxPendingCalls,
        DecodeOptions = new DecodeOptions { MaxDepth = MaxDecodeDepth, StringPool = DecodeStringPool },
        HandshakeTimeout = handshakeTimeout,
        FrameTimeout = FrameTimeout,
        DefaultCallTimeout = DefaultCallTimeout,
        SendDefaultDeadline = SendDefaultDeadline,
        CallHeaderLimits = new Framing.CallHeaderLimits(MaxCallHeaderBytes, MaxMetadataEntries),
        TimerInterval = TimerInterval,
        CloseAcknowledgementTimeout = CloseAcknowledgementTimeout,
        IncludeExceptionDetails = includeExceptionDetails,
        StreamBufferItems = streamBufferItems,
        TimeProvider = TimeProvider,
        Logger = logger,
        Handlers = handlers,
    };
}
