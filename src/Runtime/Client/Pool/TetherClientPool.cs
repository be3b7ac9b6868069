using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Calls;
using Tether.Connections;

namespace Tether;

/// <summary>
/// Several client connections to one or several endpoints, used as one peer (SPEC R3.8; decision 0024): each call goes
/// to the connection with the fewest calls waiting (or the next in turn), generated clients take the pool as they take a
/// <see cref="TetherClient"/>, and the pool grows when calls wait or its connections are busy and shrinks when they
/// stay idle. Every connection is a full <see cref="TetherClient"/>: its own session, reconnect and resume.
/// </summary>
/// <remarks>
/// Calls through the pool are retried under the first connection's <see cref="TetherClientOptions.Retry"/>, a retry
/// going to whichever connection the pool picks then. Interceptors and push handlers belong to each connection's client
/// (<see cref="TetherClientPoolOptions.ConfigureClient"/> and <see cref="TetherClientPoolOptions.ConfigureConnection"/>);
/// calls through the pool itself are not intercepted.
/// </remarks>
public sealed class TetherClientPool : TetherPeer, IAsyncDisposable
{
    private readonly TetherClientPoolOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _resizing = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly List<PoolMember> _retiring = [];
    private PoolMember[] _members = [];
    private RetryPolicy? _retry;
    private RetryBudget? _budget;
    private ITimer? _timer;
    private int _next;
    private int _endPointCursor;
    private int _checking;
    private long _lowSince = -1;
    private long _expansions;
    private long _shrinks;
    private long _replaced;
    private double _utilisation;

    /// <summary>Creates a pool; <see cref="StartAsync"/> opens its first connections.</summary>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    public TetherClientPool(TetherClientPoolOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new TetherClientPoolOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(TetherClientPoolOptions), validation.Failures);
        }

        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Tether.ClientPool");
    }

    /// <summary>Raised after the pool grew or shrank, with its statistics then.</summary>
    public event Action<PoolStatistics>? Resized;

    /// <summary>The connections calls go to now (not those being retired).</summary>
    public IReadOnlyList<TetherClient> Clients => [.. Volatile.Read(ref _members).Select(static m => m.Client)];

    /// <summary>Connections, calls waiting, utilisation, and how often the pool grew and shrank.</summary>
    public PoolStatistics Statistics
    {
        get
        {
            PoolMember[] members = Volatile.Read(ref _members);
            int retiring;
            lock (_retiring)
            {
                retiring = _retiring.Count;
            }

            return new PoolStatistics(members.Length, retiring, members.Sum(static m => (long)m.Client.PendingCalls), Volatile.Read(ref _utilisation),
                Interlocked.Read(ref _expansions), Interlocked.Read(ref _shrinks), Interlocked.Read(ref _replaced), [.. members.Select(static m => m.Routed)]);
        }
    }

    private protected override TetherConnection? CurrentConnection => Pick()?.Client.PoolConnection;

    private protected override RetryPolicy? ClientRetry => _retry;

    private protected override RetryBudget? Budget => _budget;

    /// <summary>Opens <see cref="TetherClientPoolOptions.MinConnections"/> connections and starts watching the load.</summary>
    /// <exception cref="TetherException">A connection could not be opened (the pool is then empty).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_timer is not null)
        {
            throw new InvalidOperationException("The pool was already started.");
        }

        await _resizing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await AddAsync(_options.MinConnections, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _resizing.Release();
        }

        _timer = _options.TimeProvider.CreateTimer(static s => ((TetherClientPool)s!).Check(), this, _options.CheckInterval, _options.CheckInterval);
    }

    /// <summary>The connection for the next call: the one with the fewest pending calls (ties broken in turn), or the next in turn; never a closed one.</summary>
    private PoolMember? Pick()
    {
        PoolMember[] members = Volatile.Read(ref _members);
        int count = members.Length;
        if (count == 0)
        {
            return null;
        }

        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        PoolMember? best = null;
        int fewest = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            PoolMember member = members[(start + i) % count];
            if (member.Client.State is not (SessionState.Active or SessionState.Resuming))
            {
                continue;
            }

            if (_options.Selection == PoolSelection.RoundRobin)
            {
                best = member;
                break;
            }

            int pending = member.Client.PendingCalls;
            if (pending < fewest)
            {
                best = member;
                fewest = pending;
                if (pending == 0)
                {
                    break;
                }
            }
        }

        best ??= members[start]; // none usable: the call reports why
        Interlocked.Increment(ref best.RoutedCount);
        return best;
    }

    /// <summary>Runs on the pool's timer: grows, shrinks, retires drained connections and replaces closed ones.</summary>
    internal void Check()
    {
        if (_disposing.IsCancellationRequested || Interlocked.Exchange(ref _checking, 1) != 0)
        {
            return;
        }

        try
        {
            FinishRetiring();
            PoolMember[] members = Volatile.Read(ref _members);
            long pending = 0;
            bool waited = false;
            int closed = 0;
            foreach (PoolMember member in members)
            {
                pending += member.Client.PendingCalls;
                if (member.Client.PoolConnection is { } connection)
                {
                    waited |= connection.Output.BlockedFor >= _options.GrowAfterWait;
                }

                closed += member.Client.State == SessionState.Closed ? 1 : 0;
            }

            // Smoothed over checks, so one burst does not resize the pool.
            double utilisation = members.Length == 0 ? 1 : (double)pending / (members.Length * (long)_options.TargetPendingPerConnection);
            double smoothed = (Volatile.Read(ref _utilisation) + utilisation) / 2;
            Volatile.Write(ref _utilisation, smoothed);
            long now = _options.TimeProvider.GetTimestamp();
            if (closed > 0 || members.Length < _options.MinConnections)
            {
                _lowSince = -1;
                _ = ResizeAsync(members.Length, replaceClosed: true);
            }
            else if ((smoothed > _options.GrowAtUtilisation || waited) && members.Length < _options.MaxConnections)
            {
                _lowSince = -1;
                _ = ResizeAsync(GrownSize(members.Length), replaceClosed: false);
            }
            else if (smoothed < _options.ShrinkBelowUtilisation && members.Length > _options.MinConnections)
            {
                if (_lowSince < 0)
                {
                    _lowSince = now;
                }
                else if (_options.TimeProvider.GetElapsedTime(_lowSince, now) >= _options.ShrinkAfter)
                {
                    _lowSince = -1;
                    // Down to the size at which the load would use half of each connection, one at least gone.
                    int target = (int)Math.Ceiling(pending / (_options.TargetPendingPerConnection * 0.5));
                    _ = ResizeAsync(Math.Clamp(target, _options.MinConnections, members.Length - 1), replaceClosed: false);
                }
            }
            else
            {
                _lowSince = -1;
            }
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>The next size up: 2.0×, 1.5×, 1.2× then 1.1× as the pool nears its maximum (at least one more).</summary>
    internal int GrownSize(int size)
    {
        double nearness = (double)size / _options.MaxConnections;
        double factor = nearness switch
        {
            < 0.25 => 2.0,
            < 0.5 => 1.5,
            < 0.75 => 1.2,
            _ => 1.1,
        };
        return Math.Clamp((int)Math.Ceiling(size * factor), size + 1, _options.MaxConnections);
    }

    private async Task ResizeAsync(int target, bool replaceClosed)
    {
        if (!await _resizing.WaitAsync(0).ConfigureAwait(false))
        {
            return; // a resize is under way; the next check looks again
        }

        bool changed = false;
        try
        {
            if (replaceClosed)
            {
                int removed = Retire(static m => m.Client.State == SessionState.Closed, int.MaxValue);
                Interlocked.Add(ref _replaced, removed);
                target = Math.Max(target, _options.MinConnections);
                changed = removed > 0;
            }

            int size = Volatile.Read(ref _members).Length;
            if (target > size)
            {
                await AddAsync(target - size, _disposing.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _expansions);
                changed = true;
            }
            else if (target < size)
            {
                // The least busy go: they stop taking calls now and close once their calls are answered.
                PoolMember[] byLoad = [.. Volatile.Read(ref _members).OrderBy(static m => m.Client.PendingCalls)];
                HashSet<PoolMember> leaving = [.. byLoad.Take(size - target)];
                Retire(leaving.Contains, size - target);
                Interlocked.Increment(ref _shrinks);
                changed = true;
            }
        }
        catch (Exception e) when (e is TetherException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            ClientPoolLog.GrowFailed(_logger, e.Message); // the next check tries again
        }
        finally
        {
            _resizing.Release();
        }

        if (changed)
        {
            // After the release, so a handler may look at (or resize) the pool at once.
            PoolStatistics statistics = Statistics;
            ClientPoolLog.Resized(_logger, statistics.Connections, statistics.Utilisation);
            Resized?.Invoke(statistics);
        }
    }

    /// <summary>Opens <paramref name="count"/> connections (in parallel, endpoints in turn) and adds them; closes what opened if any failed.</summary>
    private async Task AddAsync(int count, CancellationToken cancellationToken)
    {
        var opening = new List<(TetherClient Client, Task Started)>();
        for (int i = 0; i < count; i++)
        {
            EndPoint endPoint = _options.EndPoints[_endPointCursor++ % _options.EndPoints.Count];
            var clientOptions = new TetherClientOptions();
            _options.ConfigureClient?.Invoke(clientOptions);
            var client = new TetherClient(clientOptions, _loggerFactory);
            _options.ConfigureConnection?.Invoke(client);
            _retry ??= clientOptions.Retry;
            opening.Add((client, client.StartAsync(endPoint, cancellationToken)));
        }

        _budget ??= _retry is { } retry ? new RetryBudget(retry.BudgetTokens, retry.BudgetTokenRatio) : null;
        try
        {
            await Task.WhenAll(opening.Select(static o => o.Started)).ConfigureAwait(false);
        }
        catch
        {
            foreach ((TetherClient client, _) in opening)
            {
                await client.DisposeAsync(cancellationToken).ConfigureAwait(false);
            }

            throw;
        }

        PoolMember[] current = Volatile.Read(ref _members);
        Volatile.Write(ref _members, [.. current, .. opening.Select(static o => new PoolMember(o.Client))]);
    }

    /// <summary>Takes up to <paramref name="most"/> members matching <paramref name="leaving"/> out of the rotation; they close once drained.</summary>
    private int Retire(Func<PoolMember, bool> leaving, int most)
    {
        PoolMember[] current = Volatile.Read(ref _members);
        PoolMember[] gone = [.. current.Where(leaving).Take(most)];
        Volatile.Write(ref _members, [.. current.Except(gone)]);
        lock (_retiring)
        {
            _retiring.AddRange(gone);
        }

        return gone.Length;
    }

    /// <summary>Closes retired connections whose calls have all been answered (a closed one at once).</summary>
    private void FinishRetiring()
    {
        List<PoolMember> done;
        lock (_retiring)
        {
            done = _retiring.FindAll(static m => m.Client.PendingCalls == 0 || m.Client.State == SessionState.Closed);
            _retiring.RemoveAll(done.Contains);
        }

        foreach (PoolMember member in done)
        {
            _ = member.Client.DisposeAsync().AsTask();
        }
    }

    /// <summary>Stops watching the load and closes every connection (pending calls fail with <see cref="TetherErrorCode.ConnectionClosed"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        _disposing.Cancel();
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _resizing.WaitAsync().ConfigureAwait(false);
        PoolMember[] members = Interlocked.Exchange(ref _members, []);
        PoolMember[] retiring;
        lock (_retiring)
        {
            retiring = [.. _retiring];
            _retiring.Clear();
        }

        foreach (PoolMember member in members.Concat(retiring))
        {
            await member.Client.DisposeAsync().ConfigureAwait(false);
        }

        _resizing.Release();
    }

    /// <summary>One connection of the pool and the calls routed to it.</summary>
    private sealed class PoolMember(TetherClient client)
    {
        public long RoutedCount;

        public TetherClient Client { get; } = client;

        public long Routed => Interlocked.Read(ref RoutedCount);
    }
}

/// <summary>A <see cref="TetherClientPool"/>'s state.</summary>
/// <param name="Connections">Connections taking calls.</param>
/// <param name="Retiring">Connections leaving after a shrink, until their calls are answered.</param>
/// <param name="PendingCalls">Calls waiting for answers on the connections taking calls.</param>
/// <param name="Utilisation">Pending calls over connections × <see cref="TetherClientPoolOptions.TargetPendingPerConnection"/>, smoothed over checks.</param>
/// <param name="Expansions">Times the pool grew.</param>
/// <param name="Shrinks">Times it shrank.</param>
/// <param name="Replaced">Closed connections it dropped (and replaced while under its minimum).</param>
/// <param name="RoutedPerConnection">Calls routed to each connection taking calls, in order.</param>
public sealed record PoolStatistics(int Connections, int Retiring, long PendingCalls, double Utilisation, long Expansions, long Shrinks, long Replaced, IReadOnlyList<long> RoutedPerConnection);
