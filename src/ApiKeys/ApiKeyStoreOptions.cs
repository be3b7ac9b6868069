namespace Tether.Security.ApiKeys;

/// <summary>
/// API keys given by configuration (<c>services.AddTetherApiKeys()</c> binds them; a reload of the options applies at
/// once): only hashes, in the PHC form <see cref="ApiKeyHash.ToString"/> writes, never keys.
/// </summary>
public sealed class ApiKeyStoreOptions
{
    /// <summary>The configured keys.</summary>
    public IList<ConfiguredApiKey> Keys { get; } = [];
}

/// <summary>One key of <see cref="ApiKeyStoreOptions"/>.</summary>
public sealed class ConfiguredApiKey
{
    /// <summary>The key id (16 hex digits, the part after <see cref="ApiKeyFormat.Prefix"/>).</summary>
    public string Id { get; set; } = "";

    /// <summary>What the key is for.</summary>
    public string Name { get; set; } = "";

    /// <summary>The Argon2id hash of the key as a PHC string (<c>$argon2id$v=19$m=...</c>).</summary>
    public string Hash { get; set; } = "";

    /// <summary>Roles of the key's principal.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>Scopes of the key's principal.</summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>A disabled key is refused.</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool Enabled { get; set; } = true;

    /// <summary>When the key stops working, or null.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The stored record this describes.</summary>
    /// <exception cref="FormatException">The id is not 16 hex digits, or the hash is not an Argon2id PHC string.</exception>
    public ApiKeyRecord ToRecord()
    {
        if (Id.Length != 16 || !Id.All(char.IsAsciiHexDigitLower))
        {
            throw new FormatException($"The configured API key id '{Id}' is not 16 lowercase hex digits.");
        }

        return new ApiKeyRecord(Id, Name.Length > 0 ? Name : Id, ApiKeyHash.Parse(Hash), [.. Roles], [.. Scopes], Enabled, ExpiresAt, DateTimeOffset.UnixEpoch);
    }
}
