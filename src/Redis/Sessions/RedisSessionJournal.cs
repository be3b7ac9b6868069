using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tether.Sessions.Durable;

namespace Tether.Redis.Sessions;

/// <summary>
/// The session journal in Redis (decision 0028): per session a list of the engine's records (the frames it sent and the
/// client has not acknowledged, how far the client's frames were handled, streams started), its ticket, and the node
/// that holds it. Every write is a script that first checks the holder, so once another node claimed the session the
/// previous holder's writes fail: a node that lost its client cannot undo the state the new node continues from. A
/// session's list is compacted to its current state every <see cref="CompactEvery"/> records; every write renews the
/// keys' expiry (<see cref="TetherRedisOptions.SessionRetention"/>), so a session whose node died and whose client
/// never came back does not stay forever. While Redis is unreachable (or after it lost its data) sessions run on, not
/// protected against their node's loss (logged), and are written whole again once Redis is back.
/// </summary>
internal sealed class RedisSessionJournal : ISessionJournalLog
{
    internal const int CompactEvery = 512;

    // 1: appended; 0: another node holds the session; 2: Redis has no holder (it lost its data, or the keys expired).
    private const string AppendScript = """
        local holder = redis.call('GET', KEYS[1])
        if not holder then
          return 2
        end
        if holder ~= ARGV[1] then
          return 0
        end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('PEXPIRE', KEYS[3], ARGV[3])
        return 1
        """;

    private const string TicketScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
        redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return 1
        """;

    private const string RemoveScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
        return 1
        """;

    private const string ClaimScript = """
        local ticket = redis.call('GET', KEYS[3])
        if not ticket then
          return false
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return { ticket, redis.call('LRANGE', KEYS[2], 0, -1) }
        """;

    private const string RewriteScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
        redis.call('DEL', KEYS[2])
        for i = 4, #ARGV do
          redis.call('RPUSH', KEYS[2], ARGV[i])
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        return 1
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly string _node;
    private readonly long _retentionMs;
    private readonly ConcurrentDictionary<Guid, int> _appended = new();
    private readonly ConcurrentDictionary<Guid, byte> _rewriteRequested = new();
    private readonly ILogger _logger;
    private int _unprotectedLogged;

    public RedisSessionJournal(TetherRedisOptions options, ILogger logger)
    {
        _logger = logger;
        _redis = options.Connect(); // the server starts while Redis is down; sessions are written once it is back
        _database = _redis.GetDatabase();
        _prefix = KeyPrefix(options.KeyPrefix);
        _node = options.NodeId;
        _retentionMs = (long)options.SessionRetention.TotalMilliseconds;
    }

    /// <summary>A compaction: the session written whole (as its state) every <see cref="CompactEvery"/> records.</summary>
    public bool CountAppended(Guid session)
    {
        int count = _appended.AddOrUpdate(session, 1, static (_, n) => n + 1);
        if (count < CompactEvery)
        {
            return false;
        }

        _appended[session] = 0;
        return true;
    }

    /// <summary>Where a session's keys start: <c>{prefix}:sj:{session}</c>, then <c>:holder</c>, <c>:records</c>, <c>:ticket</c>.</summary>
    internal static string KeyPrefix(string prefix) => prefix + ":sj:";

    /// <summary>This node's name as a session holder.</summary>
    public string Node => _node;

    public Action<Guid>? RewriteNeeded { get; set; }

    public ValueTask AppendAsync(Guid session, ReadOnlySpan<byte> record) =>
        new(Checked(_database.ScriptEvaluateAsync(AppendScript, Keys(session), [_node, record.ToArray(), _retentionMs]), session));

    public ValueTask SaveTicketAsync(Guid session, ReadOnlySpan<byte> record) =>
        new(Checked(_database.ScriptEvaluateAsync(TicketScript, Keys(session), [_node, record.ToArray(), _retentionMs]), session));

    public async Task<bool> RewriteAsync(Guid session, byte[] ticket, IReadOnlyList<byte[]> records)
    {
        var arguments = new RedisValue[records.Count + 3];
        arguments[0] = _node;
        arguments[1] = _retentionMs;
        arguments[2] = ticket;
        for (int i = 0; i < records.Count; i++)
        {
            arguments[i + 3] = records[i];
        }

        // Issued now, under the engine's output lock, so it lands between the appends before and after it.
        Task<RedisResult> issued = _database.ScriptEvaluateAsync(RewriteScript, Keys(session), arguments);
        RedisResult result = await Reachable(() => issued).ConfigureAwait(false);
        _rewriteRequested.TryRemove(session, out _);
        if (_rewriteRequested.IsEmpty && Interlocked.Exchange(ref _unprotectedLogged, 0) == 1)
        {
            SessionStoreLog.Protected(_logger);
        }

        return (int)result == 1;
    }

    public async ValueTask RemoveAsync(Guid session)
    {
        _appended.TryRemove(session, out _);
        await Reachable(() => _database.ScriptEvaluateAsync(RemoveScript, Keys(session), [_node])).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> FindTicketAsync(Guid session) =>
        (byte[]?)await Reachable(() => _database.StringGetAsync(Keys(session)[2])).ConfigureAwait(false);

    public async ValueTask<bool> HoldsAsync(Guid session) =>
        await Reachable(() => _database.StringGetAsync(Keys(session)[0])).ConfigureAwait(false) == _node;

    public async ValueTask<ClaimedSession?> ClaimAsync(Guid session)
    {
        RedisResult result = await Reachable(() => _database.ScriptEvaluateAsync(ClaimScript, Keys(session), [_node, _retentionMs])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var records = (RedisResult[])parts[1]!;
        _appended[session] = records.Length;
        return new ClaimedSession((byte[])parts[0]!, [.. records.Select(static r => (byte[])r!)]);
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync().ConfigureAwait(false);

    private RedisKey[] Keys(Guid session)
    {
        string id = _prefix + session.ToString("N");
        return [id + ":holder", id + ":records", id + ":ticket"];
    }

    private async Task Checked(Task<RedisResult> write, Guid session)
    {
        RedisResult result;
        try
        {
            result = await write.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The session runs on here; what Redis missed is written whole once it is back.
            RequestRewrite(session, e);
            return;
        }

        switch ((int)result)
        {
            case 0:
                throw new TetherException(TetherErrorCode.StoreUnavailable, $"Session {session} is held by another node now (its client resumed there); this node no longer writes it.");
            case 2:
                RequestRewrite(session, null); // Redis came back without it
                break;
        }
    }

    private void RequestRewrite(Guid session, Exception? error)
    {
        if (Interlocked.Exchange(ref _unprotectedLogged, 1) == 0)
        {
            SessionStoreLog.Unprotected(_logger, error);
        }

        if (_rewriteRequested.TryAdd(session, 0))
        {
            RewriteNeeded?.Invoke(session);
        }
    }

    private static async Task<T> Reachable<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new TetherException(TetherErrorCode.StoreUnavailable, "The session store (Redis) is unreachable: " + e.Message);
        }
    }
}
