using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tether.Benchmarks.Network.Servers;

/// <summary>
/// Server side of the network benchmarks, run in its own process (<c>--serve tether|grpc|raw</c>): it prints
/// "PORT n" once listening and runs until its standard input closes (the benchmark process ended).
/// </summary>
public static class ServerHost
{
    /// <param name="framework">tether, wire (<see cref="Wire.WireHandler"/>), grpc or raw.</param>
    /// <param name="observe">What listens to Tether's telemetry in this process (<see cref="Telemetry.Modes"/>).</param>
    /// <param name="secured">Tether only: authentication, [Authorize] and rate limits on every call (<see cref="SecuredEchoHandler"/>).</param>
    /// <param name="flood">Tether only: API keys (Argon2id) and the bench token, with a hello limit per address (<c>--hello-flood</c>).</param>
    /// <param name="durable">Tether only: the sessions' durability (<c>memory</c>, or a <see cref="Storage.DurabilityMode"/> with a journal in a temporary directory).</param>
    /// <param name="many">Tether only: room for 20,000 connections (<c>--connections</c>).</param>
    public static async Task<int> RunAsync(string framework, string observe = "none", bool secured = false, bool flood = false, string? durable = null, bool many = false)
    {
        using IDisposable? telemetry = Telemetry.Enable(observe);
        await using IAsyncDisposable server = framework switch
        {
            "tether" when flood => await StartFloodedAsync(),
            "tether" when durable is not null => await StartDurableAsync(durable),
            "tether" when many => await StartTetherAsync(secured: false, maxConnections: 20_000),
            "tether" => await StartTetherAsync(secured),
            "wire" => await StartWireAsync(),
            "grpc" => await StartGrpcAsync(),
            "raw" => await RawEchoServer.StartAsync(),
            _ => throw new ArgumentException($"unknown framework '{framework}'"),
        };

        // Parent gone (or told us to stop) when stdin reaches its end.
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static async Task<IAsyncDisposable> StartTetherAsync(bool secured, int maxConnections = 10_000)
    {
        var options = new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), MaxConnections = maxConnections };
        var server = new TetherServer(options);
        if (secured)
        {
            options.Security.Authenticators.Add(new BenchTokenAuthenticator());
            options.Security.RequireAuthentication = true;
            options.Security.RateLimits.Global = Tether.Security.RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.Session, 1_000_000_000, 1_000_000_000);
            options.Security.RateLimits.Policies["calls"] = Tether.Security.RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.Principal, 1_000_000_000, 1_000_000_000);
            server.AddHandler(new SecuredEchoHandler());
        }
        else
        {
            server.AddHandler(new EchoHandler());
        }

        await server.StartAsync();
        Announce(((IPEndPoint)server.LocalEndPoint!).Port);
        return server;
    }

    private static async Task<IAsyncDisposable> StartWireAsync()
    {
        var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(session => new Wire.WireHandler(session));
        server.AddHandler(session => new Wire.WireBatchHandler(session));
        await server.StartAsync();
        Announce(((IPEndPoint)server.LocalEndPoint!).Port);
        return server;
    }

    private static async Task<IAsyncDisposable> StartDurableAsync(string mode)
    {
        var options = new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        // Beside the benchmark on the same disk (not /tmp, which may be memory): the flush rate is the disk's.
        string directory = Path.Combine(AppContext.BaseDirectory, "journal-" + Guid.NewGuid().ToString("N"));
        if (mode != "memory")
        {
            options.DurableSessions = new Storage.DurableStoreOptions { Directory = directory, Durability = Enum.Parse<Storage.DurabilityMode>(mode, ignoreCase: true) };
        }

        var server = new TetherServer(options);
        server.AddHandler(new EchoHandler());
        await server.StartAsync();
        Announce(((IPEndPoint)server.LocalEndPoint!).Port);
        return new JournaledServer(server, directory);
    }

    /// <summary>A server whose journal directory goes with it.</summary>
    private sealed class JournaledServer(TetherServer server, string directory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<IAsyncDisposable> StartGrpcAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        WebApplication app = builder.Build();
        app.MapGrpcService<GrpcEchoService>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Announce(new Uri(address).Port);
        return app;
    }

    /// <summary>The key id the flood guesses secrets for: each guess costs the server an Argon2id run unless the hello limit stops it first.</summary>
    public const string FloodKeyId = "00000000000000ff";

    private static async Task<IAsyncDisposable> StartFloodedAsync()
    {
        var store = new Tether.Security.ApiKeys.InMemoryApiKeyStore();
        string key = Tether.Security.ApiKeys.ApiKeyFormat.NewKey(FloodKeyId);
        await store.SaveAsync(new Tether.Security.ApiKeys.ApiKeyRecord(FloodKeyId, "flooded", Tether.Security.ApiKeys.ApiKeyHash.Create(key), [], [], true, null, DateTimeOffset.UtcNow));
        var options = new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        options.Security.Authenticators.Add(new Tether.Security.ApiKeys.ApiKeyAuthenticator(new Tether.Security.ApiKeys.ApiKeyManager(store)));
        options.Security.Authenticators.Add(new BenchTokenAuthenticator());
        options.Security.RequireAuthentication = true;
        options.Security.RateLimits.Handshakes = Tether.Security.RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.RemoteAddress, permitsPerSecond: 5, burst: 5);
        var server = new TetherServer(options);
        server.AddHandler(new EchoHandler());
        await server.StartAsync();
        Announce(((IPEndPoint)server.LocalEndPoint!).Port);
        return server;
    }

    /// <summary>Accepts the bearer token <see cref="Token"/> as the principal "bench".</summary>
    public sealed class BenchTokenAuthenticator : Tether.Security.IAuthenticator
    {
        public const string Token = "bench-token";

        public ValueTask<Tether.Security.AuthenticationResult> AuthenticateAsync(Tether.Security.AuthenticationRequest request, CancellationToken cancellationToken) =>
            request.Credentials?.Scheme != Tether.Security.TetherCredentials.BearerScheme
                ? new(Tether.Security.AuthenticationResult.NoResult)
                : new(request.Credentials.GetSecretText() == Token
                ? Tether.Security.AuthenticationResult.Success(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                    [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "bench")], "Bench")))
                : Tether.Security.AuthenticationResult.Fail("wrong token"));
    }

    private static void Announce(int port)
    {
        Console.WriteLine($"PORT {port}");
        Console.Out.Flush();
    }
}
