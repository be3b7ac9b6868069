using Microsoft.AspNetCore.Authorization;
using Tether.Introspection;

namespace Tether.Security.ApiKeys;

/// <summary>
/// Serves <see cref="IApiKeyAdmin"/> (<c>tether.ApiKeys</c>) from an <see cref="ApiKeyManager"/>, to principals in role
/// <see cref="IntrospectionNames.AdminRole"/> only: <c>server.AddHandler(new ApiKeyAdminHandler(manager))</c>, or
/// <c>AddHandler&lt;ApiKeyAdminHandler&gt;()</c> on the hosted server's builder.
/// </summary>
[Handler]
[Authorize(Roles = IntrospectionNames.AdminRole)]
public sealed partial class ApiKeyAdminHandler : IApiKeyAdmin
{
    /// <summary>The service's name.</summary>
    public const string ServiceName = "tether.ApiKeys";

    /// <summary>The first of the service's message ids (the top of the id range is Tether's own).</summary>
    internal const int FirstMessageId = 0x3FFF_FF20;

    private readonly ApiKeyManager _manager;

    /// <summary>Serves the keys of <paramref name="manager"/>.</summary>
    public ApiKeyAdminHandler(ApiKeyManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyCreated> Create(ApiKeyCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            throw new TetherException(TetherErrorCode.InvalidArgument, "A key needs a name.");
        }

        CreatedApiKey created = await _manager.CreateAsync(request.Name, request.Roles, request.Scopes, request.ExpiresAt, cancellationToken).ConfigureAwait(false);
        return new ApiKeyCreated(Describe(created.Record), created.Key);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyList> List(ApiKeyListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IReadOnlyList<ApiKeyRecord> keys = await _manager.ListAsync(cancellationToken).ConfigureAwait(false);
        return new ApiKeyList([.. keys.Where(k => request.IncludeDisabled || k.Enabled).OrderBy(static k => k.Name, StringComparer.Ordinal).ThenBy(static k => k.Id, StringComparer.Ordinal).Select(Describe)]);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyInfo> Disable(ApiKeyRef key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await _manager.DisableAsync(key.Id, cancellationToken).ConfigureAwait(false)
            ? await FindAsync(key.Id, cancellationToken).ConfigureAwait(false)
            : throw NotFound(key.Id);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyInfo> Enable(ApiKeyRef key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await _manager.EnableAsync(key.Id, cancellationToken).ConfigureAwait(false)
            ? await FindAsync(key.Id, cancellationToken).ConfigureAwait(false)
            : throw NotFound(key.Id);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyCreated> Rotate(ApiKeyRotateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Grace < TimeSpan.Zero)
        {
            throw new TetherException(TetherErrorCode.InvalidArgument, $"The grace period cannot be negative ({request.Grace}).");
        }

        _ = await FindAsync(request.Id, cancellationToken).ConfigureAwait(false);
        CreatedApiKey rotated = await _manager.RotateAsync(request.Id, request.Grace, cancellationToken).ConfigureAwait(false);
        return new ApiKeyCreated(Describe(rotated.Record), rotated.Key);
    }

    private async ValueTask<ApiKeyInfo> FindAsync(string id, CancellationToken cancellationToken)
    {
        IReadOnlyList<ApiKeyRecord> keys = await _manager.ListAsync(cancellationToken).ConfigureAwait(false);
        return keys.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.Ordinal)) is { } record ? Describe(record) : throw NotFound(id);
    }

    private static TetherException NotFound(string id) => new(TetherErrorCode.NotFound, $"No API key has id '{id}'.");

    private static ApiKeyInfo Describe(ApiKeyRecord record) =>
        new(record.Id, record.Name, record.Roles, record.Scopes, record.Enabled, record.ExpiresAt, record.CreatedAt, record.PreviousHash is null ? null : record.PreviousValidUntil);
}
