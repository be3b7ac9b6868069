using System.Net;
using Tether.Introspection;
using Tether.Security.ApiKeys;

namespace Tether.Cli.Tests;

/// <summary>A real server on a loopback port with the kitchen service, API keys, and both administration services.</summary>
public sealed class KitchenServer : IAsyncDisposable
{
    private KitchenServer(TetherServer server, KitchenHandler handler, ApiKeyManager keys, string adminKey)
    {
        Server = server;
        Handler = handler;
        Keys = keys;
        AdminKey = adminKey;
    }

    public TetherServer Server { get; }

    public KitchenHandler Handler { get; }

    public ApiKeyManager Keys { get; }

    /// <summary>A key in role tether.admin.</summary>
    public string AdminKey { get; }

    public string Address => ((IPEndPoint)Server.LocalEndPoint!).ToString();

    public static async Task<KitchenServer> StartAsync(Action<TetherServerOptions>? configure = null)
    {
        var keys = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey admin = await keys.CreateAsync("ops", roles: [IntrospectionNames.AdminRole]);
        var options = new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), EnableSessionAdmin = true };
        options.Security.Authenticators.Add(new ApiKeyAuthenticator(keys));
        configure?.Invoke(options);
        var handler = new KitchenHandler();
        var server = new TetherServer(options);
        server.AddHandler(handler);
        server.AddHandler(new ApiKeyAdminHandler(keys));
        await server.StartAsync();
        return new KitchenServer(server, handler, keys, admin.Key);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
