using BenchmarkDotNet.Attributes;
using Tether.Security.ApiKeys;

namespace Tether.Benchmarks.Security;

/// <summary>
/// What checking an API key costs: a cache miss (one Argon2id run at OWASP's 19 MiB, t=2) and a hit (a keyed hash and a
/// record read). Seed 004's budget: hit under 0.5 ms, miss under 100 ms.
/// </summary>
[MemoryDiagnoser]
public class ApiKeyBenchmarks
{
    private ApiKeyManager _cached = null!;
    private ApiKeyHash _hash = null!;
    private string _key = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _cached = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey created = await _cached.CreateAsync("bench");
        _key = created.Key;
        _hash = created.Record.Hash;
        await _cached.VerifyAsync(_key); // cached from here on
    }

    /// <summary>A verification the cache answers.</summary>
    [Benchmark]
    public Task<ApiKeyVerification> VerifyCached() => _cached.VerifyAsync(_key);

    /// <summary>The Argon2id check a cache miss runs.</summary>
    [Benchmark]
    public bool VerifyMiss() => _hash.Matches(_key);
}
