using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tether.Redis.Backplane;

/// <summary>
/// Reads the stream from where this node left it and applies the other nodes' messages once each, in each node's
/// order: a message numbered at or below what was applied from its node is a duplicate (a batch published again) and
/// is dropped; one numbered past the next expected means messages were lost (Redis lost them, or trimmed them while
/// this node lagged), reported through <see cref="GapDetected"/> and the gaps counter.
/// </summary>
/// <remarks>
/// StackExchange.Redis multiplexes one connection, so blocking reads are not available: the loop is woken by a Pub/Sub
/// message after every append and otherwise reads every <see cref="TetherRedisOptions.PollInterval"/>.
/// </remarks>
internal sealed class BackplaneReader : IDisposable
{
    private const int ReadCount = 512;

    private readonly IDatabase _database;
    private readonly BackplaneKeys _keys;
    private readonly TetherRedisOptions _options;
    private readonly string _self;
    private readonly Action<BackplaneMessage> _apply;
    private readonly BackplaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<string, long> _positions = new(StringComparer.Ordinal);
    private RedisValue _lastId = RedisValue.Null;
    private volatile bool _restart;

    /// <summary>Tests: while set, the loop reads nothing (a node lagging behind the stream).</summary>
    internal volatile bool Paused;

    public BackplaneReader(IConnectionMultiplexer redis, BackplaneKeys keys, TetherRedisOptions options, string self, Action<BackplaneMessage> apply, BackplaneMetrics metrics, ILogger logger)
    {
        _database = redis.GetDatabase();
        _keys = keys;
        _options = options;
        _self = self;
        _apply = apply;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Messages of another node were lost for this node.</summary>
    public event Action<BackplaneGap>? GapDetected;

    /// <summary>Per other node, the last of its numbers applied here (what a restarted Redis's publishers start again after).</summary>
    public IReadOnlyDictionary<string, long> Positions => _positions;

    public void Dispose() => _wake.Dispose();

    /// <summary>Read now (an append was announced).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // already woken, or stopped
        }
    }

    /// <summary>Redis lost its data: the stream starts again, so read it from its beginning (duplicates are dropped by number).</summary>
    public void Restart()
    {
        _restart = true;
        Wake();
    }

    /// <summary>Where reading starts: after the stream's last entry now (what was published before this node is not for it).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                StreamEntry[] last = await _database.StreamRangeAsync(_keys.Stream, "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
                _lastId = last.Length > 0 ? last[0].Id : "0-0";
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                BackplaneLog.RedisUnreachable(_logger, "finding the stream's end", e);
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                bool full;
                try
                {
                    if (_restart)
                    {
                        _restart = false;
                        _lastId = "0-0";
                    }

                    full = !Paused && await ReadOnceAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    BackplaneLog.RedisUnreachable(_logger, "reading the stream", e);
                    full = false;
                }

                if (!full)
                {
                    await _wake.WaitAsync(_options.PollInterval, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> ReadOnceAsync()
    {
        StreamEntry[] entries = await _database.StreamReadAsync(_keys.Stream, _lastId, ReadCount).ConfigureAwait(false);
        foreach (StreamEntry entry in entries)
        {
            _lastId = entry.Id;
            string? origin = entry["o"];
            if (origin is null || origin == _self)
            {
                continue; // this node applied its own messages when Redis took them
            }

            List<BackplaneMessage> messages;
            long first;
            try
            {
                first = (long)entry["s"];
                messages = BackplaneMessage.DecodeBatch((byte[])entry["b"]!, (int)entry["n"]);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or OverflowException)
            {
                BackplaneLog.DamagedEntry(_logger, entry.Id.ToString(), e);
                continue;
            }

            ApplyBatch(origin, first, messages);
        }

        return entries.Length == ReadCount;
    }

    private void ApplyBatch(string origin, long first, List<BackplaneMessage> messages)
    {
        bool known = _positions.TryGetValue(origin, out long applied);
        int received = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            long sequence = first + i;
            if (known && sequence <= applied)
            {
                continue; // published again after Redis lost its data, or an append retried: applied already
            }

            if (known && sequence > applied + 1)
            {
                ReportGap(new BackplaneGap(origin, applied + 1, sequence - applied - 1));
            }

            try
            {
                _apply(messages[i]);
            }
            catch (Exception e) when (e is TetherException or ObjectDisposedException)
            {
                BackplaneLog.ApplyFailed(_logger, messages[i].Kind, e);
            }

            applied = sequence;
            known = true;
            received++;
        }

        _positions[origin] = applied;
        if (received > 0)
        {
            _metrics.Received.Add(received);
        }
    }

    private void ReportGap(BackplaneGap gap)
    {
        _metrics.Gaps.Add(gap.Count);
        BackplaneLog.Gap(_logger, gap.Origin, gap.FirstMissing, gap.Count);
        try
        {
            GapDetected?.Invoke(gap);
        }
        catch (Exception e)
        {
            BackplaneLog.EventHandlerFailed(_logger, e);
        }
    }
}
