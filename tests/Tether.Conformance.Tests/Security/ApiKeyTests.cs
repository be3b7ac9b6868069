using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Tether.Conformance.Tests.Security;

/// <summary>API keys: their shape, hashing, the verification cache, and each way a key is refused, in the handshake.</summary>
public sealed class ApiKeyTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_key_is_shown_once_recognisable_and_stored_only_as_an_argon2id_hash()
    {
        var store = new InMemoryApiKeyStore();
        var manager = new ApiKeyManager(store);

        CreatedApiKey created = await manager.CreateAsync("billing", roles: ["admin"], scopes: ["orders:read"]);

        Assert.Matches("^tether_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", created.Key);
        Assert.True(ApiKeyFormat.TryGetId(created.Key, out string id));
        Assert.Equal(created.Record.Id, id);
        Assert.DoesNotContain(created.Key, created.ToString());
        ApiKeyRecord stored = Assert.Single(await store.ListAsync());
        Assert.Equal((ApiKeyHash.DefaultMemoryKiB, ApiKeyHash.DefaultIterations, 1), (stored.Hash.MemoryKiB, stored.Hash.Iterations, stored.Hash.Parallelism));
        Assert.Equal(32, stored.Hash.Hash.Length);
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", stored.Hash.ToString());
        Assert.Equal(stored.Hash.Hash, ApiKeyHash.Parse(stored.Hash.ToString()).Hash);
        // The secret follows the 16-hex-digit id; it is base64url and may itself contain '_', so it is not "after the last '_'"
        // (a short tail found that way could occur in the stored hash's text by chance: a flake seen once).
        string secret = created.Key[("tether_".Length + 16 + 1)..];
        Assert.Equal(43, secret.Length);
        Assert.DoesNotContain(secret, stored.ToString());
        Assert.True(stored.Hash.Matches(created.Key));
        Assert.False(stored.Hash.Matches(created.Key[..^1] + (created.Key[^1] == 'A' ? 'B' : 'A')));
    }

    [Fact]
    public async Task Verification_is_cached_by_a_keyed_hash_and_a_change_to_the_record_applies_at_once()
    {
        var manager = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey created = await manager.CreateAsync("svc");

        ApiKeyVerification first = await manager.VerifyAsync(created.Key);
        ApiKeyVerification second = await manager.VerifyAsync(created.Key);
        await manager.DisableAsync(created.Record.Id);
        ApiKeyVerification disabled = await manager.VerifyAsync(created.Key);
        await manager.EnableAsync(created.Record.Id);
        ApiKeyVerification enabled = await manager.VerifyAsync(created.Key);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.NotNull(second.Record);
        Assert.Null(disabled.Record);
        Assert.Equal($"API key {created.Record.Id} is disabled.", disabled.FailureReason);
        Assert.True(enabled.FromCache);
        Assert.Equal(1, manager.CachedVerifications);
    }

    [Fact]
    public async Task The_cache_is_bounded()
    {
        var manager = new ApiKeyManager(new InMemoryApiKeyStore(), new ApiKeyOptions { MaxCacheEntries = 3 });
        for (int i = 0; i < 7; i++)
        {
            CreatedApiKey key = await manager.CreateAsync($"k{i}");
            Assert.NotNull((await manager.VerifyAsync(key.Key)).Record);
            Assert.InRange(manager.CachedVerifications, 1, 3);
        }
    }

    [Fact]
    public async Task Expiry_and_rotation_grace_follow_the_clock()
    {
        var clock = new FakeTimeProvider(Start);
        var manager = new ApiKeyManager(new InMemoryApiKeyStore(), timeProvider: clock);
        CreatedApiKey expiring = await manager.CreateAsync("temp", expiresAt: Start.AddHours(1));
        CreatedApiKey old = await manager.CreateAsync("rotated");

        CreatedApiKey rotated = await manager.RotateAsync(old.Record.Id, grace: TimeSpan.FromMinutes(30));
        ApiKeyVerification oldInGrace = await manager.VerifyAsync(old.Key);
        ApiKeyVerification newKey = await manager.VerifyAsync(rotated.Key);
        clock.Advance(TimeSpan.FromMinutes(31));
        ApiKeyVerification oldAfterGrace = await manager.VerifyAsync(old.Key);
        ApiKeyVerification newAfterGrace = await manager.VerifyAsync(rotated.Key);
        clock.Advance(TimeSpan.FromMinutes(30));
        ApiKeyVerification expired = await manager.VerifyAsync(expiring.Key);

        Assert.Equal(old.Record.Id, rotated.Record.Id); // same key id: the same principal
        Assert.NotEqual(old.Key, rotated.Key);
        Assert.NotNull(oldInGrace.Record);
        Assert.Equal(Start.AddMinutes(30), oldInGrace.ExpiresAt); // the old key's session ends with the grace
        Assert.NotNull(newKey.Record);
        Assert.Null(oldAfterGrace.Record);
        Assert.Contains("grace period has ended", oldAfterGrace.FailureReason);
        Assert.NotNull(newAfterGrace.Record);
        Assert.Null(expired.Record);
        Assert.Contains("expired", expired.FailureReason);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("tls")]
    public async Task Keys_authenticate_a_session_and_every_refusal_reaches_the_client_typed(string transportName)
    {
        TransportUnderTest transport = transportName == "tls" ? TransportUnderTest.Tls() : TransportUnderTest.Tcp();
        var manager = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey admin = await manager.CreateAsync("ops", roles: ["admin"]);
        CreatedApiKey disabled = await manager.CreateAsync("off");
        await manager.DisableAsync(disabled.Record.Id);
        CreatedApiKey rotated = await manager.CreateAsync("moving");
        CreatedApiKey replacement = await manager.RotateAsync(rotated.Record.Id, TimeSpan.Zero);
        await using Harness harness = await Harness.StartAsync(transport, o =>
        {
            o.Security.Authenticators.Add(new ApiKeyAuthenticator(manager));
            o.Security.RequireAuthentication = true;
            VaultHandler.Require(o.Security);
        }, s => s.AddHandler(new VaultHandler()));

        var client = new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(admin.Key)));
        VaultReply me = await client.Whoami(new VaultProbe(1)).Within();
        VaultReply purged = await client.Purge(new VaultProbe(2)).Within(); // the key's role

        Assert.Equal(("ops", ApiKeyAuthenticator.AuthenticationType), (me.Name, me.AuthenticationType));
        Assert.Equal(2, purged.Id);
        string wrongSecret = admin.Key[..^2] + (admin.Key[^2..] == "AA" ? "BB" : "AA");
        await AssertRefusedAsync(harness, wrongSecret, $"API key {admin.Record.Id} does not match.");
        await AssertRefusedAsync(harness, "tether_0123456789abcdef_" + new string('A', 43), "API key 0123456789abcdef does not exist.");
        await AssertRefusedAsync(harness, "hunter2", "The API key is malformed.");
        await AssertRefusedAsync(harness, disabled.Key, $"API key {disabled.Record.Id} is disabled.");
        await AssertRefusedAsync(harness, rotated.Key, $"API key {rotated.Record.Id} does not match.");
        Assert.Equal("moving", (await new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(replacement.Key))).Whoami(new VaultProbe(3)).Within()).Name);
    }

    private static async Task AssertRefusedAsync(Harness harness, string key, string reason)
    {
        var refused = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(key)));
        Assert.Equal(TetherErrorCode.Unauthenticated, refused.Code);
        Assert.Equal(reason, refused.Message);
    }
}
