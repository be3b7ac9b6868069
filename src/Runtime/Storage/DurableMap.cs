using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Tether.Storage;

/// <summary>
/// A durable key-value map on a <see cref="DurableStore"/>: string keys, byte values, every change one absolute
/// record ("K is V", "K is gone"), so snapshots taken while writes go on stay correct. Reads are lock-free from memory.
/// </summary>
/// <remarks>
/// A change is applied in memory and appended to the log under one lock, so the log's order is the memory's order for
/// every key; the wait for durability happens outside it. A write that fails (<see cref="TetherErrorCode.StoreUnavailable"/>)
/// stays visible in memory until the process restarts; its caller was told it is not durable.
/// </remarks>
public sealed class DurableMap : IDurableState, IAsyncDisposable
{
    private const byte SetOperation = 1;
    private const byte RemoveOperation = 2;
    private const int MaxKeyBytes = 1024;

    private readonly ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly object _order = new();
    private DurableStore? _store;

    private DurableMap()
    {
    }

    /// <summary>The store underneath (recovery report, statistics, snapshots).</summary>
    public DurableStore Store => _store!;

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Every key and value (a moment-in-time view per entry, as a concurrent dictionary gives).</summary>
    public IEnumerable<KeyValuePair<string, byte[]>> Entries => _entries;

    /// <summary>Opens (and recovers) the map kept in <see cref="DurableStoreOptions.Directory"/>.</summary>
    /// <exception cref="TetherException">As <see cref="DurableStore.Open"/>.</exception>
    public static DurableMap Open(DurableStoreOptions options, ILogger? logger = null)
    {
        var map = new DurableMap();
        map._store = DurableStore.Open(options, map, logger);
        return map;
    }

    /// <summary>The value of <paramref name="key"/> (do not modify the array).</summary>
    public bool TryGet(string key, out byte[] value) => _entries.TryGetValue(key, out value!);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; the task completes when the change is durable (per the store's mode).</summary>
    public ValueTask SetAsync(string key, ReadOnlySpan<byte> value)
    {
        byte[] copy = value.ToArray();
        return Change(key, SetOperation, copy);
    }

    /// <summary>Removes <paramref name="key"/> (nothing happens, and nothing is written, if it is absent).</summary>
    public ValueTask RemoveAsync(string key) => _entries.ContainsKey(key) ? Change(key, RemoveOperation, null) : default;

    /// <inheritdoc cref="DurableStore.DisposeAsync"/>
    public ValueTask DisposeAsync() => _store?.DisposeAsync() ?? default;

    void IDurableState.Apply(ReadOnlySpan<byte> record)
    {
        (byte operation, string key, int valueStart) = Parse(record);
        if (operation == SetOperation)
        {
            _entries[key] = record[valueStart..].ToArray();
        }
        else
        {
            _entries.TryRemove(key, out _);
        }
    }

    void IDurableState.WriteSnapshot(SnapshotWriter writer)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            foreach (KeyValuePair<string, byte[]> entry in _entries)
            {
                int size = SizeOf(entry.Key, entry.Value.Length);
                if (buffer.Length < size)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }

                writer.Write(buffer.AsSpan(0, Format(buffer, SetOperation, entry.Key, entry.Value)));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ValueTask Change(string key, byte operation, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            throw new ArgumentException($"A key is at most {MaxKeyBytes} UTF-8 bytes.", nameof(key));
        }

        int size = SizeOf(key, value?.Length ?? 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int length = Format(buffer, operation, key, value);
            lock (_order)
            {
                if (value is null)
                {
                    _entries.TryRemove(key, out _);
                }
                else
                {
                    _entries[key] = value;
                }

                return _store!.AppendAsync(buffer.AsSpan(0, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int SizeOf(string key, int valueLength) => 3 + Encoding.UTF8.GetByteCount(key) + valueLength;

    private static int Format(Span<byte> destination, byte operation, string key, ReadOnlySpan<byte> value)
    {
        destination[0] = operation;
        int keyLength = Encoding.UTF8.GetBytes(key, destination[3..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)keyLength);
        value.CopyTo(destination[(3 + keyLength)..]);
        return 3 + keyLength + value.Length;
    }

    private static (byte Operation, string Key, int ValueStart) Parse(ReadOnlySpan<byte> record)
    {
        if (record.Length < 3 || record[0] is not (SetOperation or RemoveOperation))
        {
            throw new TetherException(TetherErrorCode.StoreCorrupted, "A map record has an unknown operation.");
        }

        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(record[1..]);
        if (record.Length < 3 + keyLength)
        {
            throw new TetherException(TetherErrorCode.StoreCorrupted, "A map record is shorter than its key.");
        }

        return (record[0], Encoding.UTF8.GetString(record.Slice(3, keyLength)), 3 + keyLength);
    }
}
