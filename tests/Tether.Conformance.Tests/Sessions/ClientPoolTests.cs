using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>The client connection pool (SPEC R3.8, decision 0024): growth and shrink on a fake clock, selection, endpoints, replacement.</summary>
public sealed class ClientPoolTests
{
    private static TetherClientPoolOptions Options(Harness harness, params Harness[] more)
    {
        var options = new TetherClientPoolOptions { ConfigureClient = o => o.Transport = harness.Transport.Connector };
        options.EndPoints.Add(harness.Server.LocalEndPoint!);
        foreach (Harness other in more)
        {
            options.EndPoints.Add(other.Server.LocalEndPoint!);
        }

        return options;
    }

    [Fact]
    public async Task The_pool_grows_by_decreasing_factors_while_busy_and_shrinks_after_five_idle_minutes_on_a_fake_clock()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory());
        var time = new FakeTimeProvider();
        TetherClientPoolOptions options = Options(harness);
        options.MaxConnections = 8;
        options.TargetPendingPerConnection = 4;
        options.TimeProvider = time;
        await using var pool = new TetherClientPool(options);
        var sizes = System.Threading.Channels.Channel.CreateUnbounded<PoolStatistics>();
        pool.Resized += s => sizes.Writer.TryWrite(s);
        await pool.StartAsync().Within();
        Assert.Equal(1, pool.Statistics.Connections);

        // 12 calls held by the server: 12 pending over 1 × 4 is 300 % utilisation.
        Task[] held = [.. Enumerable.Range(0, 12).Select(i => pool.RequestAsync(new BlockRequest(i), Harness.Patience).AsTask())];
        Assert.Equal(12, pool.Statistics.PendingCalls); // registered as they were made

        time.Advance(options.CheckInterval);
        Assert.Equal(2, (await sizes.NextAsync()).Connections); // 1 × 2.0 (at 1/8 of the maximum)
        time.Advance(options.CheckInterval);
        Assert.Equal(3, (await sizes.NextAsync()).Connections); // 2 × 1.5 (at 2/8)
        time.Advance(options.CheckInterval);
        Assert.Equal(5, (await sizes.NextAsync()).Connections); // 3 × 1.5 = 4.5, rounded up (at 3/8)
        PoolStatistics grown = pool.Statistics;
        Assert.Equal(3, grown.Expansions);
        Assert.Equal(12, grown.PendingCalls); // the held calls stay where they went

        harness.Probe.Gate.TrySetResult();
        await Task.WhenAll(held).Within();

        // Idle: utilisation falls under 20 % and must stay there 5 minutes before the pool shrinks.
        Step(time, TimeSpan.FromMinutes(4), options.CheckInterval);
        Assert.Equal(5, pool.Statistics.Connections);
        Step(time, TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1), options.CheckInterval);
        PoolStatistics shrunk = await sizes.NextAsync();
        Assert.Equal(1, shrunk.Connections); // down to the minimum: nothing is pending
        Assert.Equal(1, shrunk.Shrinks);
        Assert.Equal(4, shrunk.Retiring);
        time.Advance(options.CheckInterval); // drained connections close at the next check
        Assert.Equal(0, pool.Statistics.Retiring);
        Assert.Equal(new EchoReply(1, "still here"), await pool.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "still here")).Within());
    }

    [Fact]
    public async Task Round_robin_spreads_calls_evenly_and_least_pending_avoids_a_busy_connection()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory());
        TetherClientPoolOptions options = Options(harness);
        options.MinConnections = 3;
        options.Selection = PoolSelection.RoundRobin;
        await using var pool = new TetherClientPool(options);
        await pool.StartAsync().Within();

        for (int i = 0; i < 30; i++)
        {
            await pool.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "x")).Within();
        }

        Assert.Equal([10, 10, 10], pool.Statistics.RoutedPerConnection);

        TetherClientPoolOptions leastOptions = Options(harness);
        leastOptions.MinConnections = 2;
        await using var least = new TetherClientPool(leastOptions);
        await least.StartAsync().Within();
        Task blocked = least.Clients[0].RequestAsync(new BlockRequest(1), Harness.Patience).AsTask(); // a call held on the first connection
        await harness.Probe.Started.NextAsync();
        for (int i = 0; i < 10; i++)
        {
            await least.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "x")).Within();
        }

        Assert.Equal(10, least.Statistics.RoutedPerConnection[1]); // every call went to the idle one
        harness.Probe.Gate.TrySetResult();
        await blocked.Within();
    }

    [Fact]
    public async Task Connections_go_to_each_endpoint_in_turn_and_a_closed_one_is_replaced()
    {
        await using Harness first = await Harness.StartAsync(TransportUnderTest.InMemory());
        await using Harness second = await Harness.StartAsync(first.Transport);
        var time = new FakeTimeProvider();
        TetherClientPoolOptions options = Options(first, second);
        options.MinConnections = 2;
        options.TimeProvider = time;
        await using var pool = new TetherClientPool(options);
        var resized = new TaskCompletionSource<PoolStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.Resized += s => resized.TrySetResult(s);
        await pool.StartAsync().Within();
        await first.WaitForSessionsAsync(1);
        await second.WaitForSessionsAsync(1);

        TetherClient lost = pool.Clients[0];
        await lost.DisposeAsync(); // closed for good (as after a server refused to resume and reconnecting was off)
        time.Advance(options.CheckInterval);

        PoolStatistics replaced = await resized.Task.Within();
        Assert.Equal(2, replaced.Connections);
        Assert.Equal(1, replaced.Replaced);
        Assert.DoesNotContain(lost, pool.Clients);
        Assert.Equal(new EchoReply(5, "ok"), await pool.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(5, "ok")).Within());
    }

    [Fact]
    public async Task Generated_clients_and_retries_work_through_the_pool()
    {
        var probe = new Probe();
        var payments = new PaymentsHandler(probe);
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), setup: s => s.AddHandler(payments));
        TetherClientPoolOptions options = Options(harness);
        options.MinConnections = 2;
        options.ConfigureClient = o =>
        {
            o.Transport = harness.Transport.Connector;
            o.Retry.InitialBackoff = TimeSpan.Zero;
        };
        await using var pool = new TetherClientPool(options);
        await pool.StartAsync().Within();

        ChargeReply reply = await new IPayments.Client(pool).Charge(new ChargeRequest("pooled", 3, Block: false, FailTimes: 1)).Within();

        Assert.Equal(2, reply.Run); // failed once retryably, retried through the pool
        var noEndPoint = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new TetherClientPool(new TetherClientPoolOptions()));
        Assert.Contains("EndPoints", noEndPoint.Message, StringComparison.Ordinal);
        TetherClientPoolOptions outOfRange = Options(harness);
        outOfRange.MaxConnections = 0;
        var range = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new TetherClientPool(outOfRange));
        Assert.Contains("MaxConnections", range.Message, StringComparison.Ordinal);
    }

    /// <summary>Moves the fake clock check by check (a periodic timer fires once per advance, however far it goes).</summary>
    private static void Step(FakeTimeProvider time, TimeSpan total, TimeSpan interval)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += interval)
        {
            time.Advance(interval);
        }
    }
}
