using System.Buffers;
using Microsoft.Extensions.Logging;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>What a connection needs from its owner's options, resolved once per server or client.</summary>
internal sealed class ConnectionSettings
{
    public required bool IsServer { get; init; }

    public required int MaxFrameSize { get; init; }

    public required int MaxInFlightCalls { get; init; }

    public required long SendQueueLimit { get; init; }

    public required int MaxPendingCalls { get; init; }

    public required DecodeOptions DecodeOptions { get; init; }

    public required TimeSpan HandshakeTimeout { get; init; }

    public required TimeSpan FrameTimeout { get; init; }

    public required TimeSpan DefaultCallTimeout { get; init; }

    /// <summary>Whether the default timeout travels as the call's deadline.</summary>
    public bool SendDefaultDeadline { get; init; }

    /// <summary>Limits on a received headers block.</summary>
    public Framing.CallHeaderLimits CallHeaderLimits { get; init; } = new(8 * 1024, 64);

    /// <summary>How often the owner ticks (timeouts due before the next tick get a timer of their own).</summary>
    public TimeSpan TimerInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a graceful close of a resumable session waits for the peer's acknowledgement after its goaway.</summary>
    public TimeSpan CloseAcknowledgementTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public required bool IncludeExceptionDetails { get; init; }

    public required int StreamBufferItems { get; init; }

    public required TimeProvider TimeProvider { get; init; }

    public required ILogger Logger { get; init; }

    public required HandlerRegistry Handlers { get; init; }

    public required TimeSpan HeartbeatInterval { get; init; }

    public required int HeartbeatMisses { get; init; }

    public required long ReplayBufferBytes { get; init; }

    public required int ReplayBufferFrames { get; init; }

    /// <summary>One-way sends waiting for an acknowledgement at once.</summary>
    public int MaxUnacknowledgedSends { get; init; } = 4096;

    /// <summary>Where pipes and the replay buffer rent their blocks.</summary>
    public required MemoryPool<byte> MemoryPool { get; init; }

    /// <summary>The application's lifecycle and message hooks, or null.</summary>
    public TetherHooks? Hooks { get; init; }

    /// <summary>The <c>Tether</c> meter's instruments this side records to.</summary>
    public Observability.TetherMetrics Metrics { get; init; } = Observability.TetherMetrics.Shared;

    /// <summary>Client only: what its hellos advertise.</summary>
    public ClientSessionSettings? Client { get; init; }

    /// <summary>Server only: authentication, authorization, rate limits and address lists.</summary>
    public Security.ServerSecurity? Security { get; set; }

    /// <summary>Frame compression: what a server accepts, or a client's threshold and level (its offer is in <see cref="Client"/>); null for none.</summary>
    public CompressionOptions? Compression { get; set; }

    /// <summary>Server: the kept results of calls with idempotency keys, shared by all sessions; null when off (and on clients).</summary>
    public Server.Idempotency.IdempotencyCache? Idempotency { get; set; }

    /// <summary>Server only: negotiation and resumable sessions.</summary>
    public Sessions.ISessionRegistry? Registry { get; init; }

    /// <summary>The pipe sizes a transport needs for these settings (one rule for server and client).</summary>
    public TransportConnectionOptions CreateTransportOptions(MemoryPool<byte>? pool, Func<System.Net.EndPoint?, bool>? acceptFilter = null) => new()
    {
        MemoryPool = pool ?? MemoryPool,
        AcceptFilter = acceptFilter,
        // A whole frame must fit in the receive pipe, or a large one could never complete.
        ReceiveBufferLimit = Math.Max(1024 * 1024, (long)MaxFrameSize + Framing.FrameHeader.Size + 64 * 1024),
        SendBufferLimit = SendQueueLimit,
    };
}
