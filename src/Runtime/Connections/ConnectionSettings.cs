using Microsoft.Extensions.Logging;
using Tether.Serialization;

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

    public required bool IncludeExceptionDetails { get; init; }

    public required int StreamBufferItems { get; init; }

    public required TimeProvider TimeProvider { get; init; }

    public required ILogger Logger { get; init; }

    public required HandlerRegistry Handlers { get; init; }
}
