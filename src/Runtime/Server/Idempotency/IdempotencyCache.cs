using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tether.Storage;

namespace Tether.Server.Idempotency;

/// <summary>How a call with an idempotency key goes on (<see cref="IdempotencyCache.Claim"/>).</summary>
internal enum IdempotencyClaimKind : byte
{
    /// <summary>First with this key: run the handler, then keep its result (or abandon the claim).</summary>
    Run,

    /// <summary>A result is kept: answer with it.</summary>
    Replay,

    /// <summary>The first call with this key still runs: wait for it, then claim again.</summary>
    Wait,

    /// <summary>The key was used with another request.</summary>
    Mismatch,
}

/// <summary>The outcome of a claim: what to do, and what with.</summary>
internal readonly record struct IdempotencyClaim(IdempotencyClaimKind Kind, IdempotencyEntry? Entry, IdempotentResult? Result, Task? Running);

/// <summary>One key's state: running (a task completes when it ends), or kept with its result until it expires.</summary>
internal sealed class IdempotencyEntry(string key, byte[] requestHash)
{
    public string Key { get; } = key;

    public byte[] RequestHash { get; } = requestHash;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IdempotentResult? Result { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public long Size { get; set; }

    public LinkedListNode<IdempotencyEntry>? Kept { get; set; }
}

/// <summary>
/// A server's kept results of calls with idempotency keys (decision 0022), shared by all its sessions, since a retry
/// usually arrives on a new one. Keyed by method, principal and key; a result is kept for the retention after its call
/// ended, oldest dropped first past the entry and byte bounds. With a durable store, results are written there before the
/// call is answered and read back at start.
/// </summary>
internal sealed class IdempotencyCache : IAsyncDisposable
{
    /// <summary>Bytes of a request's hash (SHA-256, truncated): enough that two different requests never share one by chance.</summary>
    public const int HashBytes = 16;

    private const int MaxKeyChars = 900; // the durable map takes keys up to 1,024 bytes

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IdempotencyEntry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<IdempotencyEntry> _kept = new(); // kept results, oldest (first to expire) first
    private readonly IdempotencyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DurableMap? _store;
    private long _bytes;

    private IdempotencyCache(IdempotencyOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The largest reply kept (<see cref="IdempotencyOptions.MaxResultBytes"/>).</summary>
    public int MaxResultBytes => _options.MaxResultBytes;

    /// <summary>Results kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _kept.Count;
            }
        }
    }

    /// <summary>Bytes the kept results hold (as counted for <see cref="IdempotencyOptions.MaxBytes"/>).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Results dropped before their time to stay within the bounds.</summary>
    public long Evicted { get; private set; }

    /// <summary>Opens the cache; with <paramref name="durable"/>, its results are kept in the <c>idempotency</c> subdirectory and the unexpired ones read back.</summary>
    /// <exception cref="TetherException">The durable store could not be opened (<see cref="TetherErrorCode.StoreLocked"/>, …).</exception>
    public static IdempotencyCache Open(IdempotencyOptions options, DurableStoreOptions? durable, TimeProvider time, ILogger logger)
    {
        var cache = new IdempotencyCache(options, time, logger);
        if (durable is not null)
        {
            cache._store = DurableMap.Open(new DurableStoreOptions
            {
                Directory = Path.Combine(durable.Directory, "idempotency"),
                Durability = durable.Durability,
                BatchInterval = durable.BatchInterval,
                SegmentBytes = durable.SegmentBytes,
                SnapshotAfterBytes = durable.SnapshotAfterBytes,
                MaxPendingBytes = durable.MaxPendingBytes,
            }, logger);
            cache.Restore();
        }

        return cache;
    }

    /// <summary>The hash a repeat's request must match.</summary>
    public static byte[] HashRequest(in ReadOnlySequence<byte> request)
    {
        Span<byte> hash = stackalloc byte[32];
        if (request.IsSingleSegment)
        {
            SHA256.HashData(request.FirstSpan, hash);
        }
        else
        {
            using var incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (ReadOnlyMemory<byte> segment in request)
            {
                incremental.AppendData(segment.Span);
            }

            incremental.GetHashAndReset(hash);
        }

        return hash[..HashBytes].ToArray();
    }

    /// <summary>What a call of <paramref name="methodId"/> by <paramref name="principal"/> with <paramref name="key"/> does.</summary>
    public IdempotencyClaim Claim(int methodId, string principal, ReadOnlySpan<byte> key, byte[] requestHash)
    {
        string id = KeyOf(methodId, principal, key);
        lock (_lock)
        {
            DropExpiredLocked(_time.GetUtcNow());
            if (_entries.TryGetValue(id, out IdempotencyEntry? entry))
            {
                return !entry.RequestHash.AsSpan().SequenceEqual(requestHash) ? new(IdempotencyClaimKind.Mismatch, entry, null, null)
                    : entry.Result is { } result ? new(IdempotencyClaimKind.Replay, entry, result, null)
                    : new(IdempotencyClaimKind.Wait, entry, null, entry.Done.Task);
            }

            entry = new IdempotencyEntry(id, requestHash);
            _entries.Add(id, entry);
            return new(IdempotencyClaimKind.Run, entry, null, null);
        }
    }

    /// <summary>The claimed call ended with <paramref name="result"/>: kept (and written to the durable store, which the returned task waits for), and waiting repeats go on.</summary>
    public ValueTask KeepAsync(IdempotencyEntry entry, IdempotentResult result)
    {
        lock (_lock)
        {
            entry.Result = result;
            entry.ExpiresAt = _time.GetUtcNow() + _options.Retention;
            entry.Size = result.Size + (2L * entry.Key.Length);
            entry.Kept = _kept.AddLast(entry);
            _bytes += entry.Size;
            DropOverBoundsLocked();
        }

        entry.Done.TrySetResult();
        return _store is { } store && entry.Kept is not null
            ? store.SetAsync(entry.Key, IdempotencyRecords.Encode(entry.ExpiresAt, entry.RequestHash, result))
            : default;
    }

    /// <summary>The claimed call ended without a result worth keeping (cancelled, or a retryable failure): the key is free, and a waiting repeat runs the handler.</summary>
    public void Abandon(IdempotencyEntry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Key, out IdempotencyEntry? current) && ReferenceEquals(current, entry))
            {
                _entries.Remove(entry.Key);
            }
        }

        entry.Done.TrySetResult();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _store?.DisposeAsync() ?? default;

    private static string KeyOf(int methodId, string principal, ReadOnlySpan<byte> key)
    {
        // The principal goes last and may hold anything; method and key cannot hold '|'.
        string id = $"{methodId:x8}|{Convert.ToBase64String(key)}|{principal}";
        return id.Length <= MaxKeyChars
            ? id
            : $"{methodId:x8}|{Convert.ToBase64String(key)}|#{Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(principal)))}";
    }

    private void DropExpiredLocked(DateTimeOffset now)
    {
        while (_kept.First is { } oldest && oldest.Value.ExpiresAt <= now)
        {
            DropLocked(oldest.Value);
        }
    }

    private void DropOverBoundsLocked()
    {
        while (_kept.First is { } oldest && (_kept.Count > _options.MaxEntries || _bytes > _options.MaxBytes))
        {
            DropLocked(oldest.Value);
            Evicted++;
        }
    }

    private void DropLocked(IdempotencyEntry entry)
    {
        _kept.Remove(entry.Kept!);
        entry.Kept = null;
        _bytes -= entry.Size;
        _entries.Remove(entry.Key);
        if (_store is { } store)
        {
            _ = ForgetQuietlyAsync(store, entry.Key);
        }
    }

    private async Task ForgetQuietlyAsync(DurableMap store, string key)
    {
        try
        {
            await store.RemoveAsync(key).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TetherException or ObjectDisposedException)
        {
            // Not removed from the disk: it is dropped again, as expired, when the next server reads it back.
            Connections.ConnectionLog.IdempotencyNotForgotten(_logger, e);
        }
    }

    /// <summary>Reads back the results the store kept, oldest first; expired and unreadable ones are removed.</summary>
    private void Restore()
    {
        DateTimeOffset now = _time.GetUtcNow();
        var restored = new List<IdempotencyEntry>();
        foreach (KeyValuePair<string, byte[]> pair in _store!.Entries.ToArray())
        {
            if (IdempotencyRecords.TryDecode(pair.Value, out DateTimeOffset expiresAt, out byte[] hash, out IdempotentResult? result) && expiresAt > now)
            {
                restored.Add(new IdempotencyEntry(pair.Key, hash) { Result = result, ExpiresAt = expiresAt, Size = result!.Size + (2L * pair.Key.Length) });
            }
            else
            {
                _ = ForgetQuietlyAsync(_store, pair.Key);
            }
        }

        lock (_lock)
        {
            foreach (IdempotencyEntry entry in restored.OrderBy(static e => e.ExpiresAt))
            {
                entry.Done.TrySetResult();
                entry.Kept = _kept.AddLast(entry);
                _entries[entry.Key] = entry;
                _bytes += entry.Size;
            }

            DropOverBoundsLocked();
        }
    }
}
