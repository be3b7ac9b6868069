using Microsoft.Extensions.DependencyInjection;
using Tether.Security.ApiKeys;
using Tether.Storage;

namespace Tether.Conformance.Tests.Security;

/// <summary>API keys on Tether's embedded durable engine: what the manager does survives a restart; configured keys stay beneath.</summary>
public sealed class DurableApiKeyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tether-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static ApiKeyOptions Cheap() => new() { HashMemoryKiB = 64, HashIterations = 1 };

    [Fact]
    public async Task Created_disabled_rotated_and_deleted_keys_are_as_they_were_after_a_restart()
    {
        var storage = new DurableStoreOptions { Directory = _directory };
        string kept, disabled, rotated, rotatedOld;
        await using (DurableApiKeyStore store = DurableApiKeyStore.Open(storage))
        {
            var manager = new ApiKeyManager(store, Cheap());
            CreatedApiKey keep = await manager.CreateAsync("keep", roles: ["admin"], scopes: ["orders:read"], expiresAt: DateTimeOffset.UtcNow.AddDays(1));
            CreatedApiKey off = await manager.CreateAsync("off");
            CreatedApiKey turn = await manager.CreateAsync("turn");
            CreatedApiKey gone = await manager.CreateAsync("gone");
            Assert.True(await manager.DisableAsync(off.Record.Id));
            CreatedApiKey turned = await manager.RotateAsync(turn.Record.Id, TimeSpan.FromHours(1));
            Assert.True(await manager.DeleteAsync(gone.Record.Id));
            (kept, disabled, rotated, rotatedOld) = (keep.Key, off.Key, turned.Key, turn.Key);
        }

        await using DurableApiKeyStore reopened = DurableApiKeyStore.Open(storage);
        Assert.False(reopened.Recovery.IsDamaged);
        var again = new ApiKeyManager(reopened, Cheap());
        IReadOnlyList<ApiKeyRecord> records = await again.ListAsync();
        Assert.Equal(["keep", "off", "turn"], records.Select(r => r.Name));
        ApiKeyRecord keepRecord = records[0];
        Assert.Equal(["admin"], keepRecord.Roles);
        Assert.Equal(["orders:read"], keepRecord.Scopes);
        Assert.NotNull(keepRecord.ExpiresAt);

        Assert.NotNull((await again.VerifyAsync(kept)).Record);
        Assert.Null((await again.VerifyAsync(disabled)).Record);
        Assert.NotNull((await again.VerifyAsync(rotated)).Record);
        Assert.NotNull((await again.VerifyAsync(rotatedOld)).Record); // within the rotation's grace period, which was kept too
        foreach (string file in Directory.GetFiles(_directory, "*.tlog"))
        {
            string text = await File.ReadAllTextAsync(file);
            // Hashes only: no secret on disk. The secret is the key's last part, found by its length: base64url has '_' in its
            // alphabet, so the last '_' may fall inside it (which once left a one-character "secret" found in the binary log).
            Assert.DoesNotContain(kept[^System.Buffers.Text.Base64Url.GetEncodedLength(ApiKeyFormat.SecretBytes)..], text);
        }
    }

    [Fact]
    public async Task With_storage_configured_keys_stay_beneath_managed_ones()
    {
        string configuredId = ApiKeyFormat.NewId();
        string configuredKey = ApiKeyFormat.NewKey(configuredId);
        var services = new ServiceCollection();
        services.Configure<ApiKeyStoreOptions>(o => o.Keys.Add(new ConfiguredApiKey
        {
            Id = configuredId,
            Name = "from-config",
            Hash = ApiKeyHash.Create(configuredKey, 64, 1).ToString(),
        }));
        services.AddTetherApiKeys(o =>
        {
            o.Storage = new DurableStoreOptions { Directory = _directory };
            o.HashMemoryKiB = 64;
            o.HashIterations = 1;
        });
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            ApiKeyManager manager = provider.GetRequiredService<ApiKeyManager>();
            Assert.NotNull((await manager.VerifyAsync(configuredKey)).Record);
            await manager.CreateAsync("managed");
            Assert.True(await manager.DisableAsync(configuredId)); // a managed change to a configured key wins
            Assert.Null((await manager.VerifyAsync(configuredKey)).Record);
            Assert.Equal(["from-config", "managed"], (await manager.ListAsync()).Select(r => r.Name).Order());
        }

        // The managed key and the change to the configured one are on disk; the configured key itself is not.
        await using DurableApiKeyStore reopened = DurableApiKeyStore.Open(new DurableStoreOptions { Directory = _directory });
        Assert.Equal(["from-config", "managed"], (await reopened.ListAsync()).Select(r => r.Name).Order());
        Assert.False((await reopened.FindAsync(configuredId))!.Enabled);
    }
}
