using System.Net;

namespace Tether;

/// <summary>A snapshot of one session, for operators and dashboards.</summary>
/// <param name="Id">The session's id (unique within the process).</param>
/// <param name="RemoteEndPoint">The client's address.</param>
/// <param name="Transport">The transport's name ("tcp", "inmemory", …).</param>
/// <param name="State">The session's state.</param>
/// <param name="RoundTripTime">The last measured round trip, if any.</param>
/// <param name="ConnectedAt">When the connection was accepted.</param>
/// <param name="BytesSent">Bytes handed to the network.</param>
/// <param name="BytesReceived">Bytes received.</param>
/// <param name="FramesSent">Frames written.</param>
/// <param name="FramesReceived">Frames read.</param>
/// <param name="CallsStarted">Incoming calls and messages dispatched.</param>
/// <param name="CallsFailed">Incoming calls answered with an error.</param>
/// <param name="InFlightCalls">Incoming calls running now.</param>
/// <param name="QueuedBytes">Bytes waiting to be sent.</param>
/// <param name="PushesDropped">Pushes and broadcasts not sent because the send queue was full.</param>
/// <param name="Groups">Groups the session belongs to.</param>
public sealed record SessionInfo(
    long Id,
    EndPoint? RemoteEndPoint,
    string Transport,
    SessionState State,
    TimeSpan? RoundTripTime,
    DateTimeOffset ConnectedAt,
    long BytesSent,
    long BytesReceived,
    long FramesSent,
    long FramesReceived,
    long CallsStarted,
    long CallsFailed,
    int InFlightCalls,
    long QueuedBytes,
    long PushesDropped,
    IReadOnlyList<string> Groups);
