using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Tether.Redis.Backplane;
using Tether.Redis.Cluster;

namespace Tether.Redis;

/// <summary>
/// Makes one <see cref="TetherServer"/> a node of a cluster that shares a Redis: broadcasts, group sends and
/// send-to-session reach the clients of every node, group membership lives in Redis (visible and countable from any
/// node), and nodes find each other through expiring heartbeats. A Redis blip never drops a message silently: a publish
/// completes once Redis has it and fails with <see cref="TetherErrorCode.StoreUnavailable"/> past
/// <see cref="TetherRedisOptions.PublishTimeout"/>; numbering per node shows every other node what it missed, which is
/// published again when Redis comes back without its data and reported (<see cref="GapDetected"/>) when it cannot be.
/// The design and the Redis layout are <c>docs/decisions/0027-redis-backplane.md</c>.
/// </summary>
public sealed class TetherRedisBackplane : IAsyncDisposable
{
    private readonly TetherServer _server;
    private readonly TetherRedisOptions _options;
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _database;
    private readonly BackplaneKeys _keys;
    private readonly BackplaneMetrics _metrics = BackplaneMetrics.Shared;
    private readonly ILogger _logger;
    private readonly BackplanePublisher _publisher;
    private readonly BackplaneReader _reader;
    private readonly NodeRegistry _registry;
    private readonly SessionDirectory _directory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<int> _nodeCount;
    private Task _loops = Task.CompletedTask;
    private int _started;
    private int _disposed;

    /// <summary>
    /// Makes <paramref name="server"/> a node of the cluster on <paramref name="options"/>' Redis; <see cref="StartAsync(CancellationToken)"/>
    /// joins it. Connecting does not wait for Redis: a node starts while Redis is down and catches up once it is back.
    /// </summary>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">An option is out of its range.</exception>
    public TetherRedisBackplane(TetherServer server, TetherRedisOptions options, ILoggerFactory? loggerFactory = null)
        : this(server, Validated(options), options.Connect(), (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tether.Redis.Backplane"))
    {
    }

    private TetherRedisBackplane(TetherServer server, TetherRedisOptions options, IConnectionMultiplexer redis, ILogger logger)
    {
        _server = server;
        _options = options;
        _redis = redis;
        _database = redis.GetDatabase();
        _logger = logger;
        _keys = new BackplaneKeys(options.KeyPrefix);
        NodeId = options.NodeId;
        _registry = new NodeRegistry(redis, _keys, options, NodeId, logger);
        _publisher = new BackplanePublisher(redis, _keys, options, NodeId, Apply, () => _registry.ConfirmedByAll, _metrics, logger);
        _reader = new BackplaneReader(redis, _keys, options, NodeId, Apply, _metrics, logger);
        _directory = new SessionDirectory(server, redis, _keys, NodeId, logger);
        _reader.GapDetected += gap => GapDetected?.Invoke(gap);
        _registry.NodeJoined += node => NodeJoined?.Invoke(node);
        _registry.NodeLeft += (node, _) => NodeLeft?.Invoke(node);
        _registry.DataLost += OnDataLost;
        _nodeCount = () => _registry.Nodes.Count;
    }

    /// <summary>This node's id in the cluster: <see cref="TetherRedisOptions.NodeName"/> and a suffix unique to this process start.</summary>
    public string NodeId { get; }

    /// <summary>The live nodes at the last heartbeat, this one included.</summary>
    public IReadOnlyList<string> Nodes => _registry.Nodes;

    /// <summary>When this node last heard from Redis at its heartbeat (null before the first).</summary>
    public DateTimeOffset? LastHeartbeat => _registry.LastBeat;

    /// <summary>Whether the connection to Redis is up now.</summary>
    public bool IsRedisConnected => _redis.IsConnected;

    /// <summary>Messages another node published never reached this node (Redis lost them and their publisher no longer had them).</summary>
    public event Action<BackplaneGap>? GapDetected;

    /// <summary>A node started beating (raised on the other nodes).</summary>
    public event Action<string>? NodeJoined;

    /// <summary>A node's heartbeat expired (raised on the node that noticed first, after its sessions left their groups).</summary>
    public event Action<string>? NodeLeft;

    /// <summary>Redis came back without its data; the backplane published again what it could and restored this node's sessions and groups.</summary>
    public event Action? RedisDataLost;

    /// <summary>Connects to Redis and joins the cluster; reading starts after the stream's current end.</summary>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">An option is out of its range.</exception>
    public static async Task<TetherRedisBackplane> StartAsync(TetherServer server, TetherRedisOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var backplane = new TetherRedisBackplane(server, options, loggerFactory);
        try
        {
            await backplane.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await backplane.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return backplane;
    }

    /// <summary>Joins the cluster: subscribes, finds the stream's end (waiting while Redis is unreachable), beats once, and starts its loops.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        await SubscribeAsync(cancellationToken).ConfigureAwait(false);
        await _reader.StartAsync(cancellationToken).ConfigureAwait(false);
        await _registry.BeatAsync(_reader.Positions).ConfigureAwait(false);
        _directory.Attach();
        _metrics.Track(_nodeCount);
        CancellationToken stopping = _stopping.Token;
        _loops = Task.WhenAll(
            Task.Run(() => _publisher.RunAsync(stopping), CancellationToken.None),
            Task.Run(() => _reader.RunAsync(stopping), CancellationToken.None),
            Task.Run(() => HeartbeatAsync(stopping), CancellationToken.None),
            Task.Run(() => _directory.RunAsync(stopping), CancellationToken.None));
    }

    /// <summary>The wake-ups, once Redis answers (the connection does not wait for it; StackExchange.Redis renews the subscription after a reconnect).</summary>
    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _redis.GetSubscriber().SubscribeAsync(_keys.Wake, (_, _) => _reader.Wake()).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                BackplaneLog.RedisUnreachable(_logger, "subscribing to wake-ups", e);
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static TetherRedisOptions Validated(TetherRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(options, new System.ComponentModel.DataAnnotations.ValidationContext(options), validateAllProperties: true);
        return options;
    }

    /// <summary>Pushes <paramref name="message"/> to every active session of every node; completes once Redis has it.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.StoreUnavailable"/> if Redis did not take it within the publish timeout.</exception>
    public ValueTask BroadcastAsync<T>(T message, Guid? exceptSessionId = null, CancellationToken cancellationToken = default)
        where T : IMessage<T>
        => _publisher.PublishAsync(new BackplaneMessage(BackplaneMessageKind.All, null, Guid.Empty, exceptSessionId, TetherServer.Frame(in message)), cancellationToken);

    /// <summary>Pushes <paramref name="message"/> to every session in <paramref name="group"/>, on whichever node it is.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.StoreUnavailable"/> if Redis did not take it within the publish timeout.</exception>
    public ValueTask BroadcastToGroupAsync<T>(string group, T message, Guid? exceptSessionId = null, CancellationToken cancellationToken = default)
        where T : IMessage<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        return _publisher.PublishAsync(new BackplaneMessage(BackplaneMessageKind.Group, group, Guid.Empty, exceptSessionId, TetherServer.Frame(in message)), cancellationToken);
    }

    /// <summary>Pushes <paramref name="message"/> to one session on whichever node holds it.</summary>
    /// <exception cref="TetherException">
    /// <see cref="TetherErrorCode.ConnectionClosed"/> if no node holds the session; <see cref="TetherErrorCode.StoreUnavailable"/>
    /// if Redis is unreachable.
    /// </exception>
    public async ValueTask SendToSessionAsync<T>(Guid sessionId, T message, CancellationToken cancellationToken = default)
        where T : IMessage<T>
    {
        await RequireSessionAsync(sessionId).ConfigureAwait(false);
        await _publisher.PublishAsync(new BackplaneMessage(BackplaneMessageKind.Session, null, sessionId, null, TetherServer.Frame(in message)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a session (of any node) to a group, in Redis and on the node that holds it.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.ConnectionClosed"/> if no node holds the session.</exception>
    public async ValueTask AddToGroupAsync(Guid sessionId, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        if (_server.TryGetSession(sessionId, out TetherSession? local))
        {
            if (!_server.AddToGroup(local, group))
            {
                return; // closing: its groups are being left
            }

            await _directory.JoinAsync(sessionId, group).ConfigureAwait(false);
            return;
        }

        await RequireSessionAsync(sessionId).ConfigureAwait(false);
        await _directory.JoinAsync(sessionId, group).ConfigureAwait(false);
        await _publisher.PublishAsync(new BackplaneMessage(BackplaneMessageKind.Join, group, sessionId, null, []), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a session (of any node) from a group.</summary>
    public async ValueTask RemoveFromGroupAsync(Guid sessionId, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        await _directory.LeaveAsync(sessionId, group).ConfigureAwait(false);
        if (_server.TryGetSession(sessionId, out TetherSession? local))
        {
            _server.RemoveFromGroup(local, group);
            return;
        }

        await _publisher.PublishAsync(new BackplaneMessage(BackplaneMessageKind.Leave, group, sessionId, null, []), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sessions in <paramref name="group"/> on every node.</summary>
    public async Task<IReadOnlyList<Guid>> GetGroupMembersAsync(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        RedisValue[] members = await Redis(() => _database.SetMembersAsync(_keys.Group(group))).ConfigureAwait(false);
        return [.. members.Select(static m => Guid.ParseExact(m.ToString(), "N"))];
    }

    /// <summary>How many sessions are in <paramref name="group"/> on every node.</summary>
    public Task<long> CountGroupMembersAsync(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        return Redis(() => _database.SetLengthAsync(_keys.Group(group)));
    }

    /// <summary>The node that holds <paramref name="sessionId"/>, or null if none does.</summary>
    public async Task<string?> FindSessionNodeAsync(Guid sessionId) => await Redis(() => _database.StringGetAsync(_keys.Session(sessionId))).ConfigureAwait(false) is { IsNull: false } node ? node.ToString() : null;

    /// <summary>Leaves the cluster: pending publishes finish or fail, this node's sessions leave the directory as they close.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(leave: true).ConfigureAwait(false);
    }

    /// <summary>Tests: the highest of this node's numbers every other live node had applied at the last heartbeat.</summary>
    internal long ConfirmedByAll => _registry.ConfirmedByAll;

    /// <summary>Tests: stops or resumes reading the stream (a node lagging behind).</summary>
    internal void PauseReading(bool paused)
    {
        _reader.Paused = paused;
        _reader.Wake();
    }

    /// <summary>Tests: the node stops as a killed process would, without leaving the cluster (its heartbeat expires).</summary>
    internal ValueTask AbandonAsync() => StopAsync(leave: false);

    private async ValueTask StopAsync(bool leave)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _directory.Detach();
        _metrics.Untrack(_nodeCount);
        _publisher.Complete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(false);
        if (leave)
        {
            await _registry.LeaveAsync().ConfigureAwait(false);
        }

        await _redis.DisposeAsync().ConfigureAwait(false);
        _reader.Dispose();
        _stopping.Dispose();
    }

    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                await _registry.BeatAsync(_reader.Positions).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void OnDataLost()
    {
        BackplaneLog.DataLost(_logger);
        _metrics.DataLost.Add(1);
        _reader.Restart();
        _publisher.CheckEpoch();
        _directory.RestoreAll();
        try
        {
            RedisDataLost?.Invoke();
        }
        catch (Exception e)
        {
            BackplaneLog.EventHandlerFailed(_logger, e);
        }
    }

    /// <summary>Applies a message on this node: its own once Redis took it, another node's once read.</summary>
    private void Apply(BackplaneMessage message)
    {
        switch (message.Kind)
        {
            case BackplaneMessageKind.All:
                _server.BroadcastFramed(message.Frame, null, message.Except);
                break;
            case BackplaneMessageKind.Group:
                _server.BroadcastFramed(message.Frame, message.Group, message.Except);
                break;
            case BackplaneMessageKind.Session:
                _server.TrySendFramedTo(message.Session, message.Frame);
                break;
            case BackplaneMessageKind.Join when _server.TryGetSession(message.Session, out TetherSession? session):
                _server.AddToGroup(session, message.Group!);
                break;
            case BackplaneMessageKind.Leave when _server.TryGetSession(message.Session, out TetherSession? session):
                _server.RemoveFromGroup(session, message.Group!);
                break;
            default:
                break; // a join or leave for a session another node holds
        }
    }

    private async Task RequireSessionAsync(Guid sessionId)
    {
        if (!_server.TryGetSession(sessionId, out _) && await FindSessionNodeAsync(sessionId).ConfigureAwait(false) is null)
        {
            throw new TetherException(TetherErrorCode.ConnectionClosed, $"No node of the cluster holds session {sessionId}.");
        }
    }

    private static async Task<TResult> Redis<TResult>(Func<Task<TResult>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new TetherException(TetherErrorCode.StoreUnavailable, "Redis is unreachable: " + e.Message);
        }
    }
}
