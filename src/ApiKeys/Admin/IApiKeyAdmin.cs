using Tether.Introspection;

namespace Tether.Security.ApiKeys;

/// <summary>
/// The API key administration service (<c>tether.ApiKeys</c>): create, list, disable, enable and rotate keys from a
/// client (the <c>tether keys</c> commands). Hosted with <see cref="ApiKeyAdminHandler"/>; only a principal in role
/// <see cref="IntrospectionNames.AdminRole"/> may call it. A key's secret is returned once, when it is created or
/// rotated; the server keeps only its hash.
/// </summary>
[Service(Name = ApiKeyAdminHandler.ServiceName)]
public partial interface IApiKeyAdmin
{
    /// <summary>Creates a key; the answer carries its secret, shown this once.</summary>
    ValueTask<ApiKeyCreated> Create(ApiKeyCreateRequest request, CancellationToken cancellationToken);

    /// <summary>Every key (never a secret or hash).</summary>
    ValueTask<ApiKeyList> List(ApiKeyListRequest request, CancellationToken cancellationToken);

    /// <summary>Disables a key: sessions it would open are refused from now on.</summary>
    ValueTask<ApiKeyInfo> Disable(ApiKeyRef key, CancellationToken cancellationToken);

    /// <summary>Enables a disabled key.</summary>
    ValueTask<ApiKeyInfo> Enable(ApiKeyRef key, CancellationToken cancellationToken);

    /// <summary>Gives a key a new secret; the old one still works for the grace period. The answer carries the new secret, shown this once.</summary>
    ValueTask<ApiKeyCreated> Rotate(ApiKeyRotateRequest request, CancellationToken cancellationToken);
}

/// <summary>A key to create.</summary>
/// <param name="Name">A name for people (the principal's name).</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Scopes">Its scopes.</param>
/// <param name="ExpiresAt">When it stops working, or null for never.</param>
[Message(ApiKeyAdminHandler.FirstMessageId)]
public sealed partial record ApiKeyCreateRequest(string Name, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>A key as an administrator sees it: never its secret or hash.</summary>
/// <param name="Id">Its id (the middle part of the key).</param>
/// <param name="Name">Its name.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Scopes">Its scopes.</param>
/// <param name="Enabled">Whether it is enabled.</param>
/// <param name="ExpiresAt">When it expires, if it does.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="PreviousValidUntil">Until when the secret it was rotated from still works, if it was rotated.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 1)]
public sealed partial record ApiKeyInfo(string Id, string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes, bool Enabled, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? PreviousValidUntil);

/// <summary>A created (or rotated) key, with its secret: the only time it is shown.</summary>
/// <param name="Key">The key's record.</param>
/// <param name="Secret">The full key to give its holder.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 2)]
public sealed partial record ApiKeyCreated(ApiKeyInfo Key, string Secret)
{
    /// <inheritdoc />
    public override string ToString() => $"ApiKeyCreated {{ Key = {Key}, Secret = (hidden) }}"; // never in a log by accident
}

/// <summary>Asks for every key.</summary>
/// <param name="IncludeDisabled">Whether disabled keys are listed too.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 3)]
public sealed partial record ApiKeyListRequest(bool IncludeDisabled);

/// <summary>Keys, by name.</summary>
/// <param name="Keys">The keys.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 4)]
public sealed partial record ApiKeyList(IReadOnlyList<ApiKeyInfo> Keys);

/// <summary>Names one key.</summary>
/// <param name="Id">The key's id.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 5)]
public sealed partial record ApiKeyRef(string Id);

/// <summary>A key to rotate.</summary>
/// <param name="Id">The key's id.</param>
/// <param name="Grace">How long the old secret keeps working.</param>
[Message(ApiKeyAdminHandler.FirstMessageId + 6)]
public sealed partial record ApiKeyRotateRequest(string Id, TimeSpan Grace);
