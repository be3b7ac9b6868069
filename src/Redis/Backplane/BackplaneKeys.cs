using StackExchange.Redis;

namespace Tether.Redis.Backplane;

/// <summary>The Redis layout (<c>docs/decisions/0027-redis-backplane.md</c>); every key starts with the configured prefix.</summary>
internal sealed class BackplaneKeys(string prefix)
{
    /// <summary>A random value set once: when it is missing, Redis lost its data (a restart without persistence).</summary>
    public RedisKey Epoch { get; } = prefix + ":epoch";

    /// <summary>Sorted set of live nodes, scored by their last heartbeat (milliseconds, Redis's clock).</summary>
    public RedisKey Nodes { get; } = prefix + ":nodes";

    /// <summary>The stream every node appends its batches to and reads everyone's from.</summary>
    public RedisKey Stream { get; } = prefix + ":bp";

    /// <summary>Pub/Sub channel that wakes readers after an append (an optimisation; readers poll as well).</summary>
    public RedisChannel Wake { get; } = RedisChannel.Literal(prefix + ":bp:wake");

    /// <summary>Set of the session ids a node holds.</summary>
    public RedisKey NodeSessions(string node) => prefix + ":node:" + node + ":sessions";

    /// <summary>Hash origin node → the last of its sequence numbers this node applied.</summary>
    public RedisKey NodePositions(string node) => prefix + ":node:" + node + ":positions";

    /// <summary>The node that holds a session.</summary>
    public RedisKey Session(Guid session) => prefix + ":session:" + session.ToString("N");

    /// <summary>Set of a session's groups.</summary>
    public RedisKey SessionGroups(Guid session) => prefix + ":session:" + session.ToString("N") + ":groups";

    /// <summary>The node that holds a session in the Redis session store (<c>UseRedisSessions</c>), if it is kept there.</summary>
    public RedisKey SessionHolder(Guid session) => Sessions.RedisSessionJournal.KeyPrefix(prefix) + session.ToString("N") + ":holder";

    /// <summary>A session's ticket in the Redis session store, if it is kept there.</summary>
    public RedisKey SessionTicket(Guid session) => Sessions.RedisSessionJournal.KeyPrefix(prefix) + session.ToString("N") + ":ticket";

    /// <summary>Set of the session ids in a group.</summary>
    public RedisKey Group(string group) => prefix + ":group:" + group;

    /// <summary>What a group's key starts with (for scripts that compute group keys).</summary>
    public string GroupPrefix => prefix + ":group:";
}
