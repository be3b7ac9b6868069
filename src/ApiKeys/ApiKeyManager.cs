namespace Tether.Security.ApiKeys;

/// <summary>A key just made: the key itself, shown this once, and its stored record.</summary>
/// <param name="Key">The key to hand to the client. It is not stored anywhere; lose it and rotate.</param>
/// <param name="Record">What the store keeps.</param>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record)
{
    /// <summary>The record's id; never the key.</summary>
    public override string ToString() => $"API key {Record.Id} ({Record.Name})";
}

/// <summary>The outcome of checking a presented key.</summary>
/// <param name="Record">The key's record when it is good, else null.</param>
/// <param name="FailureReason">Why it is not (no secret in it), else null.</param>
/// <param name="ExpiresAt">When this key stops working (its expiry, or the end of its rotation grace), or null.</param>
/// <param name="FromCache">Answered by the verification cache, without Argon2id.</param>
public sealed record ApiKeyVerification(ApiKeyRecord? Record, string? FailureReason, DateTimeOffset? ExpiresAt, bool FromCache);

/// <summary>
/// Makes, checks and manages API keys over an <see cref="IApiKeyStore"/>: create (the key is shown once), verify
/// (cached), disable, enable, rotate with a grace period, delete. Keys never reach a log, an exception or a metric;
/// key ids (not secret) do.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore's wait handle is never created (only WaitAsync/Release), so it holds nothing to dispose.")]
public sealed class ApiKeyManager
{
    private readonly IApiKeyStore _store;
    private readonly ApiKeyOptions _options;
    private readonly TimeProvider _time;
    private readonly VerificationCache _cache;
    private readonly SemaphoreSlim _hashing;

    /// <summary>Creates a manager over <paramref name="store"/>.</summary>
    public ApiKeyManager(IApiKeyStore store, ApiKeyOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new ApiKeyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCacheEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrentHashes, 1);
        _time = timeProvider ?? TimeProvider.System;
        _cache = new VerificationCache(_options.MaxCacheEntries, _options.CacheDuration, _time);
        _hashing = new SemaphoreSlim(_options.MaxConcurrentHashes);
    }

    /// <summary>The store the records live in.</summary>
    public IApiKeyStore Store => _store;

    /// <summary>Verifications remembered now.</summary>
    public int CachedVerifications => _cache.Count;

    /// <summary>Makes a key for <paramref name="name"/>; the returned <see cref="CreatedApiKey.Key"/> is the only copy.</summary>
    public async Task<CreatedApiKey> CreateAsync(string name, IEnumerable<string>? roles = null, IEnumerable<string>? scopes = null, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string id = ApiKeyFormat.NewId();
        string key = ApiKeyFormat.NewKey(id);
        ApiKeyHash hash = await HashAsync(key, cancellationToken).ConfigureAwait(false);
        var record = new ApiKeyRecord(id, name, hash, [.. roles ?? []], [.. scopes ?? []], Enabled: true, expiresAt, _time.GetUtcNow());
        await _store.SaveAsync(record, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key, record);
    }

    /// <summary>
    /// Gives key <paramref name="id"/> a new secret. The old key keeps working for <paramref name="grace"/> (zero: it
    /// stops at once), so clients can move over without an outage.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public async Task<CreatedApiKey> RotateAsync(string id, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        ApiKeyRecord record = await RequireAsync(id, cancellationToken).ConfigureAwait(false);
        string key = ApiKeyFormat.NewKey(id);
        ApiKeyHash hash = await HashAsync(key, cancellationToken).ConfigureAwait(false);
        ApiKeyRecord rotated = record with
        {
            Hash = hash,
            PreviousHash = grace > TimeSpan.Zero ? record.Hash : null,
            PreviousValidUntil = grace > TimeSpan.Zero ? _time.GetUtcNow() + grace : null,
        };
        await _store.SaveAsync(rotated, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key, rotated);
    }

    /// <summary>Refuses key <paramref name="id"/> from now on (sessions already open keep it until they refresh or resume).</summary>
    public Task<bool> DisableAsync(string id, CancellationToken cancellationToken = default) => SetEnabledAsync(id, false, cancellationToken);

    /// <summary>Accepts key <paramref name="id"/> again.</summary>
    public Task<bool> EnableAsync(string id, CancellationToken cancellationToken = default) => SetEnabledAsync(id, true, cancellationToken);

    /// <summary>Deletes key <paramref name="id"/>.</summary>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _store.DeleteAsync(id, cancellationToken);

    /// <summary>Every key's record.</summary>
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) => _store.ListAsync(cancellationToken);

    /// <summary>
    /// Checks a presented key: its shape, its record (present, enabled, not expired), then its secret against the
    /// current hash, or the previous one during a rotation's grace. A key verified recently is answered from the cache,
    /// but its record is read every time, so disabling or rotating takes effect at once.
    /// </summary>
    public async Task<ApiKeyVerification> VerifyAsync(string presented, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presented);
        if (!ApiKeyFormat.TryGetId(presented, out string id))
        {
            return Failed("The API key is malformed.");
        }

        ApiKeyRecord? record = await _store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return Failed($"API key {id} does not exist.");
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (!record.Enabled)
        {
            return Failed($"API key {id} is disabled.");
        }

        if (record.ExpiresAt is { } expiry && expiry <= now)
        {
            return Failed($"API key {id} expired at {expiry:u}.");
        }

        bool graceOpen = record.PreviousHash is not null && record.PreviousValidUntil is { } until && until > now;
        string fingerprint = _cache.Fingerprint(presented);
        if (_cache.Find(fingerprint) is { } matched)
        {
            if (SameHash(matched, record.Hash))
            {
                return new ApiKeyVerification(record, null, record.ExpiresAt, FromCache: true);
            }

            if (graceOpen && SameHash(matched, record.PreviousHash!))
            {
                return new ApiKeyVerification(record, null, Earlier(record.ExpiresAt, record.PreviousValidUntil), FromCache: true);
            }

            _cache.Forget(fingerprint); // rotated out since
        }

        if (await MatchesAsync(record.Hash, presented, cancellationToken).ConfigureAwait(false))
        {
            _cache.Remember(fingerprint, record.Hash);
            return new ApiKeyVerification(record, null, record.ExpiresAt, FromCache: false);
        }

        if (graceOpen && await MatchesAsync(record.PreviousHash!, presented, cancellationToken).ConfigureAwait(false))
        {
            _cache.Remember(fingerprint, record.PreviousHash!);
            return new ApiKeyVerification(record, null, Earlier(record.ExpiresAt, record.PreviousValidUntil), FromCache: false);
        }

        return Failed(record.PreviousHash is not null && !graceOpen
            ? $"API key {id} does not match; if it is the key rotated out, its grace period has ended."
            : $"API key {id} does not match.");
    }

    // By the hash bytes: a store that reads records back from disk makes new objects for the same hash.
    private static bool SameHash(ApiKeyHash a, ApiKeyHash b) => ReferenceEquals(a, b) || a.Hash.AsSpan().SequenceEqual(b.Hash);

    private static ApiKeyVerification Failed(string reason) => new(null, reason, null, FromCache: false);

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    private async Task<bool> MatchesAsync(ApiKeyHash hash, string presented, CancellationToken cancellationToken)
    {
        await _hashing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => hash.Matches(presented), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }
    }

    private async Task<ApiKeyHash> HashAsync(string key, CancellationToken cancellationToken)
    {
        await _hashing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => ApiKeyHash.Create(key, _options.HashMemoryKiB, _options.HashIterations), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }
    }

    private async Task<ApiKeyRecord> RequireAsync(string id, CancellationToken cancellationToken) =>
        await _store.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"No API key {id}.");

    private async Task<bool> SetEnabledAsync(string id, bool enabled, CancellationToken cancellationToken)
    {
        if (await _store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return false;
        }

        await _store.SaveAsync(record with { Enabled = enabled }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
