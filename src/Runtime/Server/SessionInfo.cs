using System.Net;

namespace Tether;

/// <summary>A snapshot of one session, for operators and dashboards.</summary>
/// <remarks>Init-only properties, not a positional record, so that later versions can add members without breaking callers.</remarks>
public sealed record SessionInfo
{
    /// <summary>The session's id (<see cref="TetherSession.Id"/>).</summary>
    public Guid Id { get; init; }

    /// <summary>The client's address.</summary>
    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>The transport's name ("tcp", "inmemory", …).</summary>
    public string Transport { get; init; } = "";

    /// <summary>The session's state.</summary>
    public SessionState State { get; init; }

    /// <summary>The last measured round trip, if any.</summary>
    public TimeSpan? RoundTripTime { get; init; }

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset ConnectedAt { get; init; }

    /// <summary>Bytes handed to the network.</summary>
    public long BytesSent { get; init; }

    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Frames written.</summary>
    public long FramesSent { get; init; }

    /// <summary>Frames read.</summary>
    public long FramesReceived { get; init; }

    /// <summary>Incoming calls and messages dispatched.</summary>
    public long CallsStarted { get; init; }

    /// <summary>Incoming calls answered with an error.</summary>
    public long CallsFailed { get; init; }

    /// <summary>Incoming calls running now.</summary>
    public int InFlightCalls { get; init; }

    /// <summary>Bytes waiting to be sent.</summary>
    public long QueuedBytes { get; init; }

    /// <summary>Pushes and broadcasts not sent because the send queue was full.</summary>
    public long PushesDropped { get; init; }

    /// <summary>Groups the session belongs to.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}
