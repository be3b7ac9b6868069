namespace Tether.Security.ApiKeys;

/// <summary>
/// One API key as the store keeps it: who it is for, what it may do, its state, and only hashes of its secret. During a
/// rotation's grace period the previous secret's hash is kept too, so old and new keys both work until it ends.
/// </summary>
/// <param name="Id">The key id (the part of the key after <see cref="ApiKeyFormat.Prefix"/>; not secret). The principal's subject.</param>
/// <param name="Name">What the key is for (shown in listings and logs).</param>
/// <param name="Hash">The hash of the current key.</param>
/// <param name="Roles">Roles the key's principal has (<see cref="System.Security.Claims.ClaimTypes.Role"/> claims), for <c>[Authorize(Roles = ...)]</c>.</param>
/// <param name="Scopes">Scopes (<c>scope</c> claims), for policies.</param>
/// <param name="Enabled">A disabled key is refused.</param>
/// <param name="ExpiresAt">When the key stops working, or null.</param>
/// <param name="CreatedAt">When the key was made.</param>
public sealed record ApiKeyRecord(
    string Id,
    string Name,
    ApiKeyHash Hash,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Scopes,
    bool Enabled,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>The hash of the key a rotation replaced, while its grace period lasts; null otherwise.</summary>
    public ApiKeyHash? PreviousHash { get; init; }

    /// <summary>When the replaced key stops working.</summary>
    public DateTimeOffset? PreviousValidUntil { get; init; }
}
