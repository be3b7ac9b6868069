using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Diagnostics;
using Tether.Sessions;

namespace Tether.Conformance.Tests.Observability;

/// <summary>The server and client health checks, through every state they report.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task A_server_is_unhealthy_before_start_healthy_listening_degraded_draining_and_unhealthy_stopped()
    {
        TransportUnderTest memory = TransportUnderTest.InMemory();
        await using (var created = new TetherServer(new TetherServerOptions { Transport = memory.Listener, EndPoint = memory.NewEndPoint() }))
        {
            HealthCheckResult notStarted = await CheckAsync(new TetherServerHealthCheck(created));
            Assert.Equal(HealthStatus.Unhealthy, notStarted.Status);
            Assert.Equal("The server has not started.", notStarted.Description);
        }

        await using Harness harness = await Harness.StartAsync(memory, o => o.DrainTimeout = TimeSpan.FromMinutes(5));
        var check = new TetherServerHealthCheck(harness.Server);
        HealthCheckResult listening = await CheckAsync(check);
        Assert.Equal(HealthStatus.Healthy, listening.Status);
        Assert.Equal("Listening", listening.Data["status"]);
        Assert.Equal("in-memory", listening.Data["session_store"]);

        // A call that has not finished holds the drain open: the server drains until the call is let go.
        TetherClient client = await harness.ConnectAsync();
        Task blocked = client.RequestAsync(new BlockRequest(1)).AsTask();
        Assert.Equal(1, await harness.Probe.Started.NextAsync());
        Task stopping = harness.Server.StopAsync();
        Assert.Equal(TetherServerStatus.Draining, harness.Server.Status);
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(check)).Status);
        harness.Probe.Gate.SetResult();
        await blocked.Within();
        await stopping.Within();

        HealthCheckResult stopped = await CheckAsync(check);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("The server has stopped.", stopped.Description);
    }

    [Fact]
    public async Task A_server_whose_session_store_fails_is_unhealthy_with_the_reason()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory());
        var check = new TetherServerHealthCheck(harness.Server, new BrokenStore());

        HealthCheckResult result = await CheckAsync(check);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("session store", result.Description, StringComparison.Ordinal);
        Assert.IsType<IOException>(result.Exception);
    }

    [Fact]
    public async Task A_client_is_healthy_connected_degraded_resuming_and_unhealthy_closed()
    {
        TransportUnderTest memory = TransportUnderTest.InMemory();
        await using Harness harness = await Harness.StartAsync(memory);
        var chaos = new ChaosConnector(memory.Connector);
        var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos }));
        var check = new TetherClientHealthCheck(client);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += change =>
        {
            if (change.To == SessionState.Resuming)
            {
                lost.TrySetResult();
            }
        };
        await client.StartAsync(harness.Server.LocalEndPoint!).Within();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(check)).Status);

        chaos.Hold(); // the link stays down until released
        chaos.Cut();
        await lost.Task.Within();
        HealthCheckResult resuming = await CheckAsync(check);
        Assert.Equal(HealthStatus.Degraded, resuming.Status);
        Assert.Equal("Resuming", resuming.Data["state"]);

        chaos.Release();
        await client.DisposeAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(check)).Status);
    }

    private static Task<HealthCheckResult> CheckAsync(IHealthCheck check) =>
        check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("tether", check, HealthStatus.Unhealthy, null),
        });

    private sealed class BrokenStore : ISessionStore
    {
        public ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default) => throw new IOException("store down");

        public ValueTask<SessionTicket?> FindAsync(Guid sessionId, CancellationToken cancellationToken = default) => throw new IOException("store down");

        public ValueTask RemoveAsync(Guid sessionId, CancellationToken cancellationToken = default) => throw new IOException("store down");
    }
}
