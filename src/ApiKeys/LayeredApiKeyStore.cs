namespace Tether.Security.ApiKeys;

/// <summary>
/// Managed keys (a durable store) above configured ones (in memory): a lookup finds the managed record first, so the
/// manager disabling or rotating a configured key wins; deleting removes the managed record only (a configured key
/// comes from configuration and stays until configuration drops it).
/// </summary>
internal sealed class LayeredApiKeyStore(IApiKeyStore managed, IApiKeyStore configured) : IApiKeyStore
{
    public async ValueTask<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        await managed.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? await configured.FindAsync(id, cancellationToken).ConfigureAwait(false);

    public ValueTask SaveAsync(ApiKeyRecord record, CancellationToken cancellationToken = default) => managed.SaveAsync(record, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => managed.DeleteAsync(id, cancellationToken);

    public async ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ApiKeyRecord> top = await managed.ListAsync(cancellationToken).ConfigureAwait(false);
        var ids = new HashSet<string>(top.Select(static r => r.Id), StringComparer.Ordinal);
        IReadOnlyList<ApiKeyRecord> below = await configured.ListAsync(cancellationToken).ConfigureAwait(false);
        return [.. top.Concat(below.Where(r => !ids.Contains(r.Id))).OrderBy(static r => r.CreatedAt)];
    }
}
