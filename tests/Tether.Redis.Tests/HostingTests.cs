using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Tether.Redis.Tests.Support;
using Tether.Samples.Cluster;

namespace Tether.Redis.Tests;

/// <summary>The cluster through the host: <c>AddTetherServer().AddRedis(...)</c> and the health check.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task A_hosted_server_joins_the_cluster_keeps_its_sessions_in_Redis_and_reports_Redis_in_its_health()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0))
            .AddHandler((provider, session) => new RoomHandler(session, provider.GetRequiredService<TetherRedisBackplane>()))
            .AddRedis(o =>
            {
                o.Configuration = redis.Configuration;
                o.NodeName = "hosted";
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            });
        builder.Services.AddHealthChecks().AddTetherRedisCheck();
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            TetherServer server = host.Services.GetRequiredService<TetherServer>();
            TetherRedisBackplane backplane = host.Services.GetRequiredService<TetherRedisBackplane>();
            HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

            var view = new RoomView();
            await using var client = new TetherClient();
            client.AddHandler(view);
            await client.StartAsync(server.LocalEndPoint!);
            Assert.True(client.Contract!.Durable); // its session is kept (in Redis)
            Joined joined = await new RoomHandler.Client(client).Join(new JoinRoom("r"));
            Assert.Equal(backplane.NodeId, joined.Node);
            Assert.Equal(1, await backplane.CountGroupMembersAsync("r"));
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

            await redis.KillAsync();
            await Wait.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Degraded, "the check reports Redis gone");
            await redis.RestartAsync();
            await Wait.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, "the check reports Redis back");
            await Wait.UntilAsync(async () => await backplane.CountGroupMembersAsync("r") == 1, "membership written back after Redis lost it");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Options_out_of_range_fail_the_host_at_start()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0))
            .AddRedis(o => o.NodeTimeout = TimeSpan.FromMilliseconds(1));
        using IHost host = builder.Build();
        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
    }
}
