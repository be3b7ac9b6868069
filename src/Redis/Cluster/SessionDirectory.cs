using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tether.Redis.Backplane;

namespace Tether.Redis.Cluster;

/// <summary>
/// Keeps Redis's view of this node's sessions: which node holds each (for send-to-session), and the groups each is in
/// (a set per group and per session, so membership is countable from any node and a session's groups can be left in
/// one place). Session starts and ends are applied in order by one loop that retries while Redis is away; group
/// changes are written by the caller, who learns if Redis is unreachable.
/// </summary>
internal sealed class SessionDirectory(TetherServer server, IConnectionMultiplexer redis, BackplaneKeys keys, string self, ILogger logger)
{
    private readonly IDatabase _database = redis.GetDatabase();
    private readonly Channel<(Guid Session, bool Started)> _changes = Channel.CreateUnbounded<(Guid, bool)>(new UnboundedChannelOptions { SingleReader = true });

    public void Attach()
    {
        server.SessionStarted += OnStarted;
        server.SessionEnded += OnEnded;
        RestoreAll(); // sessions that started before the backplane did
    }

    public void Detach()
    {
        server.SessionStarted -= OnStarted;
        server.SessionEnded -= OnEnded;
    }

    /// <summary>Writes every session of this node and its groups again (Redis lost its data, or the backplane just started).</summary>
    public void RestoreAll()
    {
        foreach (TetherSession session in server.AllSessions)
        {
            _changes.Writer.TryWrite((session.Id, true));
        }
    }

    public async Task JoinAsync(Guid session, string group)
    {
        await WriteAsync(() => Task.WhenAll(
            _database.SetAddAsync(keys.Group(group), session.ToString("N")),
            _database.SetAddAsync(keys.SessionGroups(session), group))).ConfigureAwait(false);
        if (server.TryGetSession(session, out TetherSession? local) && local.State == SessionState.Closed)
        {
            await LeaveAsync(session, group).ConfigureAwait(false); // it closed while joining: its end may have been written first
        }
    }

    public Task LeaveAsync(Guid session, string group) =>
        WriteAsync(() => Task.WhenAll(
            _database.SetRemoveAsync(keys.Group(group), session.ToString("N")),
            _database.SetRemoveAsync(keys.SessionGroups(session), group)));

    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await foreach ((Guid session, bool started) in _changes.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                while (true)
                {
                    try
                    {
                        await (started ? RegisterAsync(session) : UnregisterAsync(session)).ConfigureAwait(false);
                        break;
                    }
                    catch (Exception e) when (e is RedisException or TimeoutException)
                    {
                        BackplaneLog.RedisUnreachable(logger, "updating the session directory", e);
                        await Task.Delay(TimeSpan.FromMilliseconds(200), stopping).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void OnStarted(TetherSession session) => _changes.Writer.TryWrite((session.Id, true));

    private void OnEnded(TetherSession session) => _changes.Writer.TryWrite((session.Id, false));

    private async Task RegisterAsync(Guid session)
    {
        if (!server.TryGetSession(session, out TetherSession? local) || local.State == SessionState.Closed)
        {
            return; // ended before its start was written: its end follows
        }

        string id = session.ToString("N");
        var writes = new List<Task>
        {
            _database.StringSetAsync(keys.Session(session), self),
            _database.SetAddAsync(keys.NodeSessions(self), id),
        };
        foreach (string group in server.GroupsOf(local))
        {
            writes.Add(_database.SetAddAsync(keys.Group(group), id));
            writes.Add(_database.SetAddAsync(keys.SessionGroups(session), group));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);

        // A session that moved here (resumed from the Redis session store) takes its groups along.
        foreach (RedisValue group in await _database.SetMembersAsync(keys.SessionGroups(session)).ConfigureAwait(false))
        {
            server.AddToGroup(local, group.ToString());
        }
    }

    private async Task UnregisterAsync(Guid session) =>
        await _database.ScriptEvaluateAsync(
            UnregisterScript,
            [keys.Session(session), keys.SessionGroups(session), keys.NodeSessions(self), keys.SessionHolder(session)],
            [self, session.ToString("N"), keys.GroupPrefix]).ConfigureAwait(false);

    // A session that ended here leaves its groups, unless it lives on: another node holds it now (its client resumed
    // there through the Redis session store) and its membership goes with it.
    private const string UnregisterScript = """
        redis.call('SREM', KEYS[3], ARGV[2])
        local holder = redis.call('GET', KEYS[4])
        if holder and holder ~= ARGV[1] then
          return 0
        end
        local node = redis.call('GET', KEYS[1])
        if node and node ~= ARGV[1] then
          return 0
        end
        for _, group in ipairs(redis.call('SMEMBERS', KEYS[2])) do
          redis.call('SREM', ARGV[3] .. group, ARGV[2])
        end
        redis.call('DEL', KEYS[1], KEYS[2])
        return 1
        """;

    private static async Task WriteAsync(Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new TetherException(TetherErrorCode.StoreUnavailable, "Redis is unreachable: " + e.Message);
        }
    }
}
