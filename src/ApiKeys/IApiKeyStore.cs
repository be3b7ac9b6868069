using System.Collections.Concurrent;

namespace Tether.Security.ApiKeys;

/// <summary>Where API key records live. Holds hashes only; a key's secret is never stored.</summary>
public interface IApiKeyStore
{
    /// <summary>The record of key <paramref name="id"/>, or null.</summary>
    ValueTask<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a record.</summary>
    ValueTask SaveAsync(ApiKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a record (its key stops working at once); false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every record.</summary>
    ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// An <see cref="IApiKeyStore"/> in this process's memory: keys the manager makes (lost at restart), and keys loaded from
/// configuration (<see cref="Load"/>, which a reload calls again).
/// </summary>
public sealed class InMemoryApiKeyStore : IApiKeyStore
{
    private readonly ConcurrentDictionary<string, ApiKeyRecord> _records = new(StringComparer.Ordinal);
    private HashSet<string> _loaded = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        new(_records.TryGetValue(id, out ApiKeyRecord? record) ? record : null);

    /// <inheritdoc />
    public ValueTask SaveAsync(ApiKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.Id] = record;
        return default;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => new(_records.TryRemove(id, out _));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        new([.. _records.Values.OrderBy(static r => r.CreatedAt)]);

    /// <summary>
    /// Replaces the records the previous <see cref="Load"/> brought with <paramref name="records"/> (a configuration
    /// reload: a key no longer listed stops working at once); records saved otherwise stay.
    /// </summary>
    public void Load(IEnumerable<ApiKeyRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var next = records.ToDictionary(static r => r.Id, StringComparer.Ordinal);
        lock (_records)
        {
            foreach (string id in _loaded)
            {
                if (!next.ContainsKey(id))
                {
                    _records.TryRemove(id, out _);
                }
            }

            foreach (KeyValuePair<string, ApiKeyRecord> entry in next)
            {
                _records[entry.Key] = entry.Value;
            }

            _loaded = [.. next.Keys];
        }
    }
}
