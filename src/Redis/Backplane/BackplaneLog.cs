using Microsoft.Extensions.Logging;

namespace Tether.Redis.Backplane;

/// <summary>What the backplane logs (event ids 700–719).</summary>
internal static partial class BackplaneLog
{
    [LoggerMessage(700, LogLevel.Warning, "Redis did not take {Count} backplane message(s) within the publish timeout; their publishers were told")]
    public static partial void PublishFailed(ILogger logger, int count, Exception error);

    [LoggerMessage(701, LogLevel.Warning, "Node {Origin} skipped {Count} backplane message(s) from {FirstMissing} on: they are lost for this node")]
    public static partial void Gap(ILogger logger, string origin, long firstMissing, long count);

    [LoggerMessage(702, LogLevel.Warning, "Redis came back without its data: the backplane publishes again what the other nodes may have missed and restores this node's sessions and groups")]
    public static partial void DataLost(ILogger logger);

    [LoggerMessage(703, LogLevel.Information, "Published {Count} retained backplane message(s) again (after number {After})")]
    public static partial void Republished(ILogger logger, int count, long after);

    [LoggerMessage(704, LogLevel.Information, "Node {Node} joined the cluster")]
    public static partial void NodeJoined(ILogger logger, string node);

    [LoggerMessage(705, LogLevel.Warning, "Node {Node} stopped renewing its heartbeat; its {Sessions} session(s) left their groups")]
    public static partial void NodeLeft(ILogger logger, string node, int sessions);

    [LoggerMessage(706, LogLevel.Warning, "The backplane cannot reach Redis ({Operation}); retrying")]
    public static partial void RedisUnreachable(ILogger logger, string operation, Exception error);

    [LoggerMessage(707, LogLevel.Error, "A backplane {Kind} message could not be applied on this node")]
    public static partial void ApplyFailed(ILogger logger, BackplaneMessageKind kind, Exception error);

    [LoggerMessage(708, LogLevel.Error, "A damaged backplane entry {EntryId} was skipped")]
    public static partial void DamagedEntry(ILogger logger, string entryId, Exception error);

    [LoggerMessage(709, LogLevel.Error, "A backplane event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, Exception error);
}
