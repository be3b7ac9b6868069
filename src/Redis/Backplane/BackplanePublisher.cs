using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tether.Redis.Backplane;

/// <summary>
/// This node's side of the stream: one loop appends its messages in batches, each batch one stream entry numbered by the
/// node's sequence (first number and count), so a batch is appended whole or not at all and the numbers stay in order.
/// A message counts as published only once Redis has its entry; until then the loop retries, and past
/// <see cref="TetherRedisOptions.PublishTimeout"/> the publisher gets <see cref="TetherErrorCode.StoreUnavailable"/>:
/// never a silent drop. Published messages are applied on this node (in the same order) and the last ones are kept
/// to publish again when Redis comes back without its data.
/// </summary>
internal sealed class BackplanePublisher
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue;
    private readonly IDatabase _database;
    private readonly ISubscriber _subscriber;
    private readonly BackplaneKeys _keys;
    private readonly TetherRedisOptions _options;
    private readonly string _origin;
    private readonly Action<BackplaneMessage> _applyLocally;
    private readonly BackplaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Queue<(long Sequence, BackplaneMessage Message)> _retained = new();
    private readonly List<Pending> _batch = new(MaxBatch);
    private readonly Func<long> _confirmed;
    private long _sequence; // the last number Redis has (only the loop writes it)
    private string? _epoch; // Redis's epoch when this node last appended (only the loop uses it)
    private bool _republishing;

    // Appends a batch only if Redis still has the epoch this node knows; otherwise returns Redis's epoch (setting a new
    // one if it is gone) and appends nothing.
    private const string AppendScript = """
        local epoch = redis.call('GET', KEYS[2])
        if epoch ~= ARGV[1] then
          if not epoch then
            redis.call('SET', KEYS[2], ARGV[2])
            epoch = ARGV[2]
          end
          return epoch
        end
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'o', ARGV[4], 's', ARGV[5], 'n', ARGV[6], 'b', ARGV[7])
        return 1
        """;

    public BackplanePublisher(IConnectionMultiplexer redis, BackplaneKeys keys, TetherRedisOptions options, string origin, Action<BackplaneMessage> applyLocally, Func<long> confirmed, BackplaneMetrics metrics, ILogger logger)
    {
        _confirmed = confirmed;
        _database = redis.GetDatabase();
        _subscriber = redis.GetSubscriber();
        _keys = keys;
        _options = options;
        _origin = origin;
        _applyLocally = applyLocally;
        _metrics = metrics;
        _logger = logger;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.MaxQueuedPublishes) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Completes once Redis has the message (and this node applied it); fails with <see cref="TetherErrorCode.StoreUnavailable"/> past the publish timeout.</summary>
    public async ValueTask PublishAsync(BackplaneMessage message, CancellationToken cancellationToken)
    {
        var pending = new Pending(message, Environment.TickCount64 + (long)_options.PublishTimeout.TotalMilliseconds, cancellationToken);
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Redis may have lost its data (a heartbeat found a new epoch): if so, publish again, ahead of anything new, what the
    /// other nodes may not have applied. Appends check the epoch themselves; this covers a node with nothing to append.
    /// </summary>
    public void CheckEpoch() => _queue.Writer.TryWrite(Pending.EpochCheck());

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken stopping)
    {
        ChannelReader<Pending> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                while (_batch.Count < MaxBatch && reader.TryRead(out Pending? pending))
                {
                    if (pending.CheckEpoch)
                    {
                        await FlushAsync(stopping).ConfigureAwait(false); // what came before goes first
                        await CheckEpochAsync(stopping).ConfigureAwait(false);
                        continue;
                    }

                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        pending.Completion.TrySetCanceled(pending.CancellationToken); // never appended: nothing to take back
                        continue;
                    }

                    _batch.Add(pending);
                }

                await FlushAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            var stopped = new TetherException(TetherErrorCode.StoreUnavailable, "The backplane stopped before the message was published.");
            foreach (Pending pending in _batch)
            {
                pending.Completion.TrySetException(stopped);
            }

            _batch.Clear();
            while (reader.TryRead(out Pending? pending))
            {
                pending.Completion.TrySetException(stopped);
            }
        }
    }

    private async Task FlushAsync(CancellationToken stopping)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        var messages = new BackplaneMessage[_batch.Count];
        long deadline = long.MaxValue;
        for (int i = 0; i < _batch.Count; i++)
        {
            messages[i] = _batch[i].Message;
            deadline = Math.Min(deadline, _batch[i].Deadline);
        }

        long first = _sequence + 1;
        if (await AppendAsync(first, messages, deadline, stopping).ConfigureAwait(false))
        {
            _sequence = first + messages.Length - 1;
            for (int i = 0; i < messages.Length; i++)
            {
                Retain(first + i, messages[i]);
                ApplyLocally(messages[i]);
                _batch[i].Completion.TrySetResult();
            }

            _metrics.Published.Add(messages.Length);
        }
        else
        {
            // Its numbers are used up all the same: had an append whose answer was lost reached Redis, numbering the
            // next batch the same would make the nodes that read it drop the next batch as a duplicate. The publishers
            // are told; nodes that did not get the batch see a gap and report it.
            _sequence = first + messages.Length - 1;
            var unavailable = new TetherException(TetherErrorCode.StoreUnavailable, $"Redis did not take the backplane message within {_options.PublishTimeout.TotalSeconds:0.#} s.");
            foreach (Pending pending in _batch)
            {
                pending.Completion.TrySetException(unavailable);
            }

            _metrics.PublishFailures.Add(_batch.Count);
        }

        _batch.Clear();
    }

    private async Task RepublishAsync(long after, CancellationToken stopping)
    {
        _republishing = true;
        try
        {
            await RepublishRetainedAsync(after, stopping).ConfigureAwait(false);
        }
        finally
        {
            _republishing = false;
        }
    }

    private async Task RepublishRetainedAsync(long after, CancellationToken stopping)
    {
        var chunk = new List<BackplaneMessage>(MaxBatch);
        long chunkFirst = 0;
        int republished = 0;
        foreach ((long sequence, BackplaneMessage message) in _retained.ToArray())
        {
            if (sequence <= after)
            {
                continue;
            }

            if (chunk.Count == 0)
            {
                chunkFirst = sequence;
            }

            chunk.Add(message);
            if (chunk.Count == MaxBatch)
            {
                republished += await AppendRetainedAsync(chunkFirst, chunk, stopping).ConfigureAwait(false);
                chunk.Clear();
            }
        }

        if (chunk.Count > 0)
        {
            republished += await AppendRetainedAsync(chunkFirst, chunk, stopping).ConfigureAwait(false);
        }

        if (republished > 0)
        {
            _metrics.Republished.Add(republished);
            BackplaneLog.Republished(_logger, republished, after);
        }
    }

    private async Task<int> AppendRetainedAsync(long first, List<BackplaneMessage> chunk, CancellationToken stopping) =>
        await AppendAsync(first, chunk, Environment.TickCount64 + (long)_options.PublishTimeout.TotalMilliseconds, stopping).ConfigureAwait(false) ? chunk.Count : 0;

    private async Task<bool> AppendAsync(long first, IReadOnlyList<BackplaneMessage> messages, long deadline, CancellationToken stopping)
    {
        byte[] body = BackplaneMessage.EncodeBatch(messages);
        int backoff = 20;
        while (true)
        {
            try
            {
                _epoch ??= await EnsureEpochAsync().ConfigureAwait(false);
                RedisResult result = await _database.ScriptEvaluateAsync(
                    AppendScript,
                    [_keys.Stream, _keys.Epoch],
                    [_epoch, Guid.NewGuid().ToString("N"), _options.StreamLength, _origin, first, messages.Count, body]).ConfigureAwait(false);
                if (result.Resp2Type == ResultType.Integer)
                {
                    _ = _subscriber.PublishAsync(_keys.Wake, RedisValue.EmptyString, CommandFlags.FireAndForget);
                    return true;
                }

                // Redis lost its data since this node last appended: what the others may have missed goes first, so
                // nobody sees a later number before the earlier ones are back.
                _epoch = (string)result!;
                if (!_republishing)
                {
                    await RepublishAsync(_confirmed(), stopping).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                if (Environment.TickCount64 >= deadline)
                {
                    BackplaneLog.PublishFailed(_logger, messages.Count, e);
                    return false;
                }

                await Task.Delay(backoff, stopping).ConfigureAwait(false); // Redis is away: try again, more slowly
                backoff = Math.Min(backoff * 2, 500);
            }
        }
    }

    private async Task CheckEpochAsync(CancellationToken stopping)
    {
        try
        {
            string epoch = await EnsureEpochAsync().ConfigureAwait(false);
            if (_epoch is not null && epoch != _epoch)
            {
                _epoch = epoch;
                await RepublishAsync(_confirmed(), stopping).ConfigureAwait(false);
            }

            _epoch = epoch;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            BackplaneLog.RedisUnreachable(_logger, "checking the epoch", e); // the next append checks it again
        }
    }

    private async Task<string> EnsureEpochAsync()
    {
        string fresh = Guid.NewGuid().ToString("N");
        await _database.StringSetAsync(_keys.Epoch, fresh, when: When.NotExists).ConfigureAwait(false);
        return (string)(await _database.StringGetAsync(_keys.Epoch).ConfigureAwait(false))!;
    }

    private void Retain(long sequence, BackplaneMessage message)
    {
        if (_options.RetainedMessages == 0)
        {
            return;
        }

        _retained.Enqueue((sequence, message));
        while (_retained.Count > _options.RetainedMessages)
        {
            _retained.Dequeue();
        }
    }

    private void ApplyLocally(BackplaneMessage message)
    {
        try
        {
            _applyLocally(message);
        }
        catch (Exception e) when (e is TetherException or ObjectDisposedException)
        {
            BackplaneLog.ApplyFailed(_logger, message.Kind, e);
        }
    }

    private sealed class Pending(BackplaneMessage message, long deadline, CancellationToken cancellationToken)
    {
        public BackplaneMessage Message { get; } = message;

        public long Deadline { get; } = deadline;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CheckEpoch { get; private init; }

        public static Pending EpochCheck() => new(null!, long.MaxValue, default) { CheckEpoch = true };
    }
}
