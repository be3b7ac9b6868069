using System.Text;
using Microsoft.Extensions.Logging;
using Tether.Storage;

namespace Tether.Security.ApiKeys;

/// <summary>
/// An <see cref="IApiKeyStore"/> that survives restarts: each key's record (hash, never the key) in a
/// <see cref="DurableMap"/> on Tether's embedded engine, so creating, disabling, rotating or deleting a key is on disk
/// (per <see cref="DurableStoreOptions.Durability"/>) before the call returns.
/// </summary>
public sealed class DurableApiKeyStore : IApiKeyStore, IAsyncDisposable
{
    private const byte FormatVersion = 1;
    private readonly DurableMap _map;

    private DurableApiKeyStore(DurableMap map)
    {
        _map = map;
    }

    /// <summary>What opening the store found (records recovered, damage reported).</summary>
    public RecoveryReport Recovery => _map.Store.Recovery;

    /// <summary>Opens (and recovers) the store in <paramref name="options"/>' directory.</summary>
    /// <exception cref="TetherException">As <see cref="DurableStore.Open"/>: the directory is locked or cannot be used.</exception>
    public static DurableApiKeyStore Open(DurableStoreOptions options, ILogger? logger = null) => new(DurableMap.Open(options, logger));

    /// <inheritdoc />
    public ValueTask<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        new(_map.TryGet(id, out byte[] value) ? Decode(value) : null);

    /// <inheritdoc />
    public ValueTask SaveAsync(ApiKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _map.SetAsync(record.Id, Encode(record));
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!_map.TryGet(id, out _))
        {
            return false;
        }

        await _map.RemoveAsync(id).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        new([.. _map.Entries.Select(static e => Decode(e.Value)).OrderBy(static r => r.CreatedAt)]);

    /// <summary>Writes what is pending and releases the directory.</summary>
    public ValueTask DisposeAsync() => _map.DisposeAsync();

    private static byte[] Encode(ApiKeyRecord record)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(record.Id);
            writer.Write(record.Name);
            writer.Write(record.Hash.ToString());
            WriteList(writer, record.Roles);
            WriteList(writer, record.Scopes);
            writer.Write(record.Enabled);
            WriteTime(writer, record.ExpiresAt);
            writer.Write(record.CreatedAt.UtcTicks);
            writer.Write(record.PreviousHash?.ToString() ?? "");
            WriteTime(writer, record.PreviousValidUntil);
        }

        return buffer.ToArray();
    }

    private static ApiKeyRecord Decode(byte[] value)
    {
        using var reader = new BinaryReader(new MemoryStream(value), Encoding.UTF8);
        if (reader.ReadByte() != FormatVersion)
        {
            throw new TetherException(TetherErrorCode.StoreCorrupted, "An API key record has an unknown format version.");
        }

        string id = reader.ReadString();
        string name = reader.ReadString();
        ApiKeyHash hash = ApiKeyHash.Parse(reader.ReadString());
        string[] roles = ReadList(reader);
        string[] scopes = ReadList(reader);
        bool enabled = reader.ReadBoolean();
        DateTimeOffset? expires = ReadTime(reader);
        var created = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        string previous = reader.ReadString();
        return new ApiKeyRecord(id, name, hash, roles, scopes, enabled, expires, created)
        {
            PreviousHash = previous.Length == 0 ? null : ApiKeyHash.Parse(previous),
            PreviousValidUntil = ReadTime(reader),
        };
    }

    private static void WriteList(BinaryWriter writer, IReadOnlyList<string> items)
    {
        writer.Write(items.Count);
        foreach (string item in items)
        {
            writer.Write(item);
        }
    }

    private static string[] ReadList(BinaryReader reader)
    {
        var items = new string[reader.ReadInt32()];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = reader.ReadString();
        }

        return items;
    }

    private static void WriteTime(BinaryWriter writer, DateTimeOffset? time) => writer.Write(time?.UtcTicks ?? -1);

    private static DateTimeOffset? ReadTime(BinaryReader reader) => reader.ReadInt64() is var ticks && ticks >= 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
}
