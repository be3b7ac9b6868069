namespace Tether.Security.ApiKeys;

/// <summary>Costs and bounds of API key verification.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Verified keys remembered (by a keyed hash of the key, never the key), so a repeat costs microseconds, not an Argon2id run.</summary>
    /// <remarks>Defaults to 10,000. Past it, expired entries go first, then the whole cache.</remarks>
    public int MaxCacheEntries { get; set; } = 10_000;

    /// <summary>How long a verification is remembered. A disabled, deleted, expired or rotated-out key is refused at once regardless: the record is read on every use.</summary>
    /// <remarks>Defaults to 10 minutes.</remarks>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Argon2id runs at once (each takes 19 MiB and about 75 ms of a core here); more wait, so a flood of wrong keys
    /// cannot take every core from the calls of sessions already open.
    /// </summary>
    /// <remarks>Defaults to half the processor count (at least 1).</remarks>
    public int MaxConcurrentHashes { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Argon2id memory cost of new hashes, in KiB.</summary>
    /// <remarks>Defaults to 19 MiB (OWASP).</remarks>
    public int HashMemoryKiB { get; set; } = ApiKeyHash.DefaultMemoryKiB;

    /// <summary>Argon2id time cost of new hashes.</summary>
    /// <remarks>Defaults to 2 (OWASP, at 19 MiB).</remarks>
    public int HashIterations { get; set; } = ApiKeyHash.DefaultIterations;

    /// <summary>
    /// Keeps the keys the <see cref="ApiKeyManager"/> creates and changes in Tether's embedded durable engine in this
    /// directory (<see cref="DurableApiKeyStore"/>), so they survive restarts; keys from configuration stay in memory
    /// beneath them.
    /// </summary>
    /// <remarks>Defaults to none: every key lives in memory.</remarks>
    public Tether.Storage.DurableStoreOptions? Storage { get; set; }
}
