using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tether.Redis.Backplane;

namespace Tether.Redis.Cluster;

/// <summary>
/// Nodes find each other only through Redis: each renews its heartbeat (its score in a sorted set, by Redis's clock, so
/// the nodes' clocks do not matter) and, in the same script, removes the nodes whose heartbeat is older than
/// <see cref="TetherRedisOptions.NodeTimeout"/>; the node whose removal succeeded cleans up after the dead one. The same
/// beat checks Redis's epoch key (gone: Redis lost its data) and exchanges the positions nodes applied each other's
/// messages to, which tells a publisher what to publish again after such a loss.
/// </summary>
internal sealed class NodeRegistry
{
    private const string HeartbeatScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local epoch = redis.call('GET', KEYS[2])
        if not epoch then
          redis.call('SET', KEYS[2], ARGV[3])
          epoch = ARGV[3]
        end
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
        local gone = {}
        for _, node in ipairs(expired) do
          if redis.call('ZREM', KEYS[1], node) == 1 then
            table.insert(gone, node)
          end
        end
        return { epoch, gone, redis.call('ZRANGE', KEYS[1], 0, -1) }
        """;

    // A dead node's session leaves its groups, unless the Redis session store keeps it (its ticket is there): then it
    // may resume on another node, which takes the groups along; until then only the directory entry goes.
    private const string CleanupSessionScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        if redis.call('EXISTS', KEYS[3]) == 1 then
          redis.call('DEL', KEYS[1])
          return 0
        end
        local groups = redis.call('SMEMBERS', KEYS[2])
        for _, group in ipairs(groups) do
          redis.call('SREM', ARGV[2] .. ':group:' .. group, ARGV[3])
        end
        redis.call('DEL', KEYS[1], KEYS[2])
        return 1
        """;

    private readonly IDatabase _database;
    private readonly BackplaneKeys _keys;
    private readonly TetherRedisOptions _options;
    private readonly string _self;
    private readonly ILogger _logger;
    private string? _epoch;
    private volatile string[] _nodes = [];
    private long _confirmedByAll; // the lowest of the other live nodes' positions for this node's messages

    public NodeRegistry(IConnectionMultiplexer redis, BackplaneKeys keys, TetherRedisOptions options, string self, ILogger logger)
    {
        _database = redis.GetDatabase();
        _keys = keys;
        _options = options;
        _self = self;
        _logger = logger;
    }

    /// <summary>When Redis last answered a heartbeat.</summary>
    public DateTimeOffset? LastBeat { get; private set; }

    /// <summary>The live nodes at the last heartbeat (this one included once it has beaten).</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>The highest of this node's numbers every other live node had applied at the last heartbeat.</summary>
    public long ConfirmedByAll => Volatile.Read(ref _confirmedByAll);

    public event Action<string>? NodeJoined;

    public event Action<string, int>? NodeLeft;

    /// <summary>Redis came back without its data.</summary>
    public event Action? DataLost;

    /// <summary>One heartbeat; true if Redis answered.</summary>
    public async Task<bool> BeatAsync(IReadOnlyDictionary<string, long> positions)
    {
        RedisResult result;
        try
        {
            result = await _database.ScriptEvaluateAsync(
                HeartbeatScript,
                [_keys.Nodes, _keys.Epoch],
                [_self, (long)_options.NodeTimeout.TotalMilliseconds, Guid.NewGuid().ToString("N")]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            BackplaneLog.RedisUnreachable(_logger, "heartbeat", e);
            return false;
        }

        LastBeat = DateTimeOffset.UtcNow;
        var parts = (RedisResult[])result!;
        string epoch = (string)parts[0]!;
        string[] gone = (string[])parts[1]!;
        string[] live = (string[])parts[2]!;

        string? known = _epoch;
        _epoch = epoch;
        if (known is not null && known != epoch)
        {
            Raise(DataLost);
        }

        string[] previous = _nodes;
        _nodes = live;
        foreach (string node in live)
        {
            if (node != _self && Array.IndexOf(previous, node) < 0 && previous.Length > 0)
            {
                BackplaneLog.NodeJoined(_logger, node);
                Raise(NodeJoined, node);
            }
        }

        foreach (string node in gone)
        {
            int sessions = await CleanUpAfterAsync(node).ConfigureAwait(false);
            BackplaneLog.NodeLeft(_logger, node, sessions);
            Raise(NodeLeft, node, sessions);
        }

        await ExchangePositionsAsync(positions, live).ConfigureAwait(false);
        return true;
    }

    /// <summary>Leaves the cluster (a clean stop): other nodes stop counting this one at once.</summary>
    public async Task LeaveAsync()
    {
        try
        {
            await _database.SortedSetRemoveAsync(_keys.Nodes, _self).ConfigureAwait(false);
            await _database.KeyDeleteAsync([_keys.NodePositions(_self), _keys.NodeSessions(_self)]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            BackplaneLog.RedisUnreachable(_logger, "leaving the cluster", e); // its heartbeat expires instead
        }
    }

    private async Task ExchangePositionsAsync(IReadOnlyDictionary<string, long> positions, string[] live)
    {
        try
        {
            RedisKey mine = _keys.NodePositions(_self);
            if (positions.Count > 0)
            {
                await _database.HashSetAsync(mine, [.. positions.Select(static p => new HashEntry(p.Key, p.Value))]).ConfigureAwait(false);
            }

            long confirmed = long.MaxValue;
            foreach (string node in live)
            {
                if (node == _self)
                {
                    continue;
                }

                RedisValue position = await _database.HashGetAsync(_keys.NodePositions(node), _self).ConfigureAwait(false);
                confirmed = Math.Min(confirmed, position.IsNull ? 0 : (long)position);
            }

            // Never lower: a node that joins later never needs what came before it, and a position Redis lost with its
            // data (read as 0) is not news.
            if (confirmed != long.MaxValue && confirmed > Volatile.Read(ref _confirmedByAll))
            {
                Volatile.Write(ref _confirmedByAll, confirmed);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            BackplaneLog.RedisUnreachable(_logger, "exchanging positions", e);
        }
    }

    /// <summary>A node is gone: its sessions leave their groups and the directory (they cannot resume on another node yet).</summary>
    private async Task<int> CleanUpAfterAsync(string node)
    {
        int cleaned = 0;
        try
        {
            RedisValue[] sessions = await _database.SetMembersAsync(_keys.NodeSessions(node)).ConfigureAwait(false);
            foreach (RedisValue value in sessions)
            {
                if (!Guid.TryParseExact(value.ToString(), "N", out Guid session))
                {
                    continue;
                }

                RedisResult removed = await _database.ScriptEvaluateAsync(
                    CleanupSessionScript,
                    [_keys.Session(session), _keys.SessionGroups(session), _keys.SessionTicket(session)],
                    [node, _options.KeyPrefix, value]).ConfigureAwait(false);
                cleaned += (int)removed;
            }

            await _database.KeyDeleteAsync([_keys.NodeSessions(node), _keys.NodePositions(node)]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            BackplaneLog.RedisUnreachable(_logger, "cleaning up after node " + node, e);
        }

        return cleaned;
    }

    private void Raise(Action? handler) => Raise(handler, static h => h());

    private void Raise(Action<string>? handler, string node) => Raise(handler, h => h(node));

    private void Raise(Action<string, int>? handler, string node, int sessions) => Raise(handler, h => h(node, sessions));

    private void Raise<THandler>(THandler? handler, Action<THandler> invoke)
        where THandler : Delegate
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            invoke(handler);
        }
        catch (Exception e)
        {
            BackplaneLog.EventHandlerFailed(_logger, e);
        }
    }
}
