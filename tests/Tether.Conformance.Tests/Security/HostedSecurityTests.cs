using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Tether.Conformance.Tests.Support;
using Tether.Security;
using Tether.Security.ApiKeys;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Security;

/// <summary>Security in a host: authenticators and policies from the container, and a live reload of the options.</summary>
public sealed class HostedSecurityTests
{
    [Fact]
    public async Task Keys_and_policies_come_from_the_container_and_an_options_reload_changes_limits_live()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("secured");
        var reload = new ManualChangeTokenSource<TetherServerOptions>();
        int meteredPermits = 2;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddAuthorizationCore(o => o.AddPolicy(VaultHandler.TenantPolicy, p => p.RequireClaim("tenant", "acme")));
        builder.Services.AddTetherApiKeys();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TetherServerOptions>>(reload);
        builder.Services.AddTetherServer(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
            o.Security.RequireAuthentication = true;
            o.Security.RateLimits.Policies["metered"] = RateLimitPolicy.FixedWindow(RateLimitPartition.Principal, Volatile.Read(ref meteredPermits), TimeSpan.FromHours(1));
        }).AddHandler<VaultHandler>();
        builder.Services.AddSingleton<VaultHandler>();

        using IHost host = builder.Build();
        await host.StartAsync().Within();
        ApiKeyManager keys = host.Services.GetRequiredService<ApiKeyManager>();
        CreatedApiKey key = await keys.CreateAsync("hosted", roles: ["admin"]);
        await using TetherClient client = await TetherClient.ConnectAsync(endPoint, new TetherClientOptions { Transport = transport, Credentials = TetherCredentials.ApiKey(key.Key) });
        var vault = new VaultHandler.Client(client);

        Assert.Equal("hosted", (await vault.Purge(new VaultProbe(1)).Within()).Name); // the key's role
        Assert.Equal(TetherErrorCode.PermissionDenied, (await Assert.ThrowsAsync<TetherException>(() => vault.Tenant(new VaultProbe(2)).AsTask()).Within()).Code); // the container's policy
        await vault.Metered(new VaultProbe(3)).Within(); // weight 2: the whole window
        Assert.Equal(TetherErrorCode.RateLimited, (await Assert.ThrowsAsync<TetherException>(() => vault.Metered(new VaultProbe(4)).AsTask()).Within()).Code);

        // The configuration changes (a bigger window): the running server takes it without a restart.
        Volatile.Write(ref meteredPermits, 6);
        reload.Change();
        Assert.Equal(5, (await vault.Metered(new VaultProbe(5)).Within()).Id);

        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Keys_from_configuration_reload_live_and_keys_made_at_run_time_stay()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("configured-keys");
        string first = ApiKeyFormat.NewKey("00000000000000a1");
        string second = ApiKeyFormat.NewKey("00000000000000b2");
        string firstHash = ApiKeyHash.Create(first).ToString(); // what an operator puts in configuration: never the key
        string secondHash = ApiKeyHash.Create(second).ToString();
        var reload = new ManualChangeTokenSource<ApiKeyStoreOptions>();
        int generation = 0;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherApiKeys();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<ApiKeyStoreOptions>>(reload);
        builder.Services.Configure<ApiKeyStoreOptions>(o => o.Keys.Add(Volatile.Read(ref generation) == 0
            ? new ConfiguredApiKey { Id = "00000000000000a1", Name = "first", Hash = firstHash }
            : new ConfiguredApiKey { Id = "00000000000000b2", Name = "second", Hash = secondHash }));
        builder.Services.AddTetherServer(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
            o.Security.RequireAuthentication = true;
            VaultHandler.Require(o.Security);
        }).AddHandler<VaultHandler>();
        builder.Services.AddSingleton<VaultHandler>();
        using IHost host = builder.Build();
        await host.StartAsync().Within();
        CreatedApiKey made = await host.Services.GetRequiredService<ApiKeyManager>().CreateAsync("made");

        Assert.Equal("first", await WhoamiAsync(transport, endPoint, first));
        Volatile.Write(ref generation, 1);
        reload.Change();
        var gone = await Assert.ThrowsAsync<TetherException>(() => WhoamiAsync(transport, endPoint, first));

        Assert.Equal(TetherErrorCode.Unauthenticated, gone.Code);
        Assert.Equal("API key 00000000000000a1 does not exist.", gone.Message);
        Assert.Equal("second", await WhoamiAsync(transport, endPoint, second));
        Assert.Equal("made", await WhoamiAsync(transport, endPoint, made.Key));
        await host.StopAsync().Within();
    }

    private static async Task<string> WhoamiAsync(InMemoryTransport transport, InMemoryEndPoint endPoint, string key)
    {
        var options = new TetherClientOptions { Transport = transport, Credentials = TetherCredentials.ApiKey(key) };
        options.Reconnect.Enabled = false;
        await using TetherClient client = await TetherClient.ConnectAsync(endPoint, options);
        return (await new VaultHandler.Client(client).Whoami(new VaultProbe(1)).Within()).Name;
    }

    private sealed class ManualChangeTokenSource<TOptions> : IOptionsChangeTokenSource<TOptions>
    {
        private CancellationTokenSource _current = new();

        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_current.Token);

        /// <summary>Signals a change; the monitor rebuilds the options and calls its listeners before this returns.</summary>
        public void Change() => Interlocked.Exchange(ref _current, new CancellationTokenSource()).Cancel();
    }
}
