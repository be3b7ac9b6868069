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
    /// <param name="framework">tether, grpc or raw.</param>
    /// <param name="observe">What listens to Tether's telemetry in this process (<see cref="Telemetry.Modes"/>).</param>
    public static async Task<int> RunAsync(string framework, string observe = "none")
    {
        using IDisposable? telemetry = Telemetry.Enable(observe);
        await using IAsyncDisposable server = framework switch
        {
            "tether" => await StartTetherAsync(),
            "grpc" => await StartGrpcAsync(),
            "raw" => await RawEchoServer.StartAsync(),
            _ => throw new ArgumentException($"unknown framework '{framework}'"),
        };

        // Parent gone (or told us to stop) when stdin reaches its end.
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static async Task<IAsyncDisposable> StartTetherAsync()
    {
        var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(new EchoHandler());
        await server.StartAsync();
        Announce(((IPEndPoint)server.LocalEndPoint!).Port);
        return server;
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

    private static void Announce(int port)
    {
        Console.WriteLine($"PORT {port}");
        Console.Out.Flush();
    }
}
