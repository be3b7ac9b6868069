using System.Net;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Observability;

/// <summary>The <c>Tether</c> meter as a <see cref="System.Diagnostics.Metrics.MeterListener"/> sees it: values and attributes.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Call_durations_carry_method_status_and_link_for_success_error_timeout_and_cancel()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.MeterFactory = metrics.Factory);
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync(o => o.MeterFactory = metrics.Factory));
        int port = ((IPEndPoint)harness.Server.LocalEndPoint!).Port;

        await client.Inspect(new HeaderProbe(1)).Within();
        await Assert.ThrowsAsync<TetherException>(() => client.Refuse(new RelayRequest(2)).AsTask()).Within();
        await Assert.ThrowsAsync<DeadlineExceededException>(() => client.Expire(new DeadlineProbe(3), CallOptions.WithTimeout(TimeSpan.FromMilliseconds(100))).AsTask()).Within();
        using (var cancel = new CancellationTokenSource())
        {
            Task expiring = client.Expire(new DeadlineProbe(4), cancel.Token).AsTask();
            Assert.Equal(3, await harness.Probe.Started.NextAsync());
            Assert.Equal(4, await harness.Probe.Started.NextAsync());
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => expiring).Within();
        }

        foreach ((string method, string status) in new[]
        {
            ("CallHeaders/Inspect", "ok"),
            ("CallHeaders/Refuse", "dispatch.unexpected_reply"),
            ("CallHeaders/Expire", "dispatch.call_timed_out"),
            ("CallHeaders/Expire", "dispatch.call_canceled"),
        })
        {
            foreach (string instrument in new[] { "rpc.client.call.duration", "rpc.server.call.duration" })
            {
                RecordedMeasurement m = await metrics.WaitForAsync(instrument, m => m.Tag("rpc.method") == method && m.Tag("rpc.response.status_code") == status);
                Assert.True(m.Value > 0, $"{instrument} {method} {status}: {m.Value}");
                Assert.Equal("tether", m.Tag("rpc.system.name"));
                Assert.Equal("tcp", m.Tag("network.transport"));
                Assert.Equal("127.0.0.1", m.Tag("server.address"));
                Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Tag("server.port"));
                Assert.Equal(status == "ok" ? null : status, m.Tag("error.type"));
            }
        }

        // The deadline's duration is about the deadline: the server stopped the handler when it passed.
        RecordedMeasurement timedOut = metrics.Of("rpc.server.call.duration").Single(m => m.Tag("rpc.response.status_code") == "dispatch.call_timed_out");
        Assert.InRange(timedOut.Value, 0.09, 30);
    }

    [Fact]
    public async Task Retries_and_answers_from_kept_results_are_counted()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        var payments = new PaymentsHandler(new Probe());
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), o => o.MeterFactory = metrics.Factory, s => s.AddHandler(payments));
        var charges = new IPayments.Client(await harness.ConnectAsync(o =>
        {
            o.MeterFactory = metrics.Factory;
            o.Retry.InitialBackoff = TimeSpan.Zero;
        }));
        var keyed = new CallOptions { IdempotencyKey = "m-2" };

        await charges.Charge(new ChargeRequest("m-1", 5, Block: false, FailTimes: 1)).Within();
        await charges.Transfer(new ChargeRequest("m-2", 5, Block: false, FailTimes: 0), keyed).Within();
        await charges.Transfer(new ChargeRequest("m-2", 5, Block: false, FailTimes: 0), keyed).Within();

        RecordedMeasurement retry = await metrics.WaitForAsync("tether.call.retries", m => m.Tag("rpc.method") == "Payments/Charge");
        Assert.Equal(1, retry.Value);
        Assert.Equal("limit.in_flight_calls", retry.Tag("error.type"));
        Assert.Equal("client", retry.Tag("tether.side"));
        RecordedMeasurement replay = await metrics.WaitForAsync("tether.idempotency.replays", m => m.Tag("rpc.method") == "Payments/Transfer");
        Assert.Equal("server", replay.Tag("tether.side"));
        Assert.Single(metrics.Of("tether.idempotency.replays"));
        Assert.Single(metrics.Of("tether.call.retries"));
        Assert.Equal(1, payments.Runs["m-2"]);
    }

    [Fact]
    public async Task Client_streaming_and_bidirectional_calls_are_timed_when_they_end_not_when_disposed()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), o => o.MeterFactory = metrics.Factory);
        TetherClient peer = await harness.ConnectAsync(o => o.MeterFactory = metrics.Factory);
        var streams = new StreamsHandler.Client(peer);

        using ClientStreamingCall<Tick, StreamTotal> sum = streams.OpenSum();
        await sum.RequestStream.WriteAsync(new Tick(2));
        await sum.RequestStream.CompleteAsync();
        Assert.Equal(new StreamTotal(1, 2), await sum.ResponseAsync.Within());
        await metrics.WaitForAsync("rpc.client.call.duration", m => m.Tag("rpc.method") == "ConformanceStreams/Sum" && m.Tag("rpc.response.status_code") == "ok");

        using DuplexStreamingCall<Tick, Tick> echo = streams.OpenEcho();
        await echo.RequestStream.WriteAsync(new Tick(3));
        await echo.RequestStream.CompleteAsync();
        Assert.Equal([3], await echo.ReadResponsesAsync().Select(static t => t.Sequence).ToListAsync().AsTask().Within());
        await metrics.WaitForAsync("rpc.client.call.duration", m => m.Tag("rpc.method") == "ConformanceStreams/Echo" && m.Tag("rpc.response.status_code") == "ok");
    }

    [Fact]
    public async Task Streams_and_calls_by_message_type_are_timed_and_one_way_sends_are_not()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), o => o.MeterFactory = metrics.Factory);
        TetherClient peer = await harness.ConnectAsync(o => o.MeterFactory = metrics.Factory);
        var client = new CallHeadersHandler.Client(peer);

        Assert.Equal(3, (await client.Ticks(new HeaderProbe(3)).ToListAsync().AsTask().Within()).Count);
        await using (IAsyncEnumerator<Tick> abandoned = client.Ticks(new HeaderProbe(1_000)).GetAsyncEnumerator())
        {
            Assert.True(await abandoned.MoveNextAsync());
        }

        await peer.SendAsync(new Notice(1, "one way")).Within();
        await peer.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "by type")).Within();

        await metrics.WaitForAsync("rpc.client.call.duration", m => m.Tag("rpc.method") == "CallHeaders/Ticks" && m.Tag("rpc.response.status_code") == "ok");
        await metrics.WaitForAsync("rpc.client.call.duration", m => m.Tag("rpc.method") == "CallHeaders/Ticks" && m.Tag("rpc.response.status_code") == "dispatch.call_canceled");
        await metrics.WaitForAsync("rpc.client.call.duration", m => m.Tag("rpc.method") == "EchoRequest" && m.Tag("network.transport") == "inproc");
        await metrics.WaitForAsync("rpc.server.call.duration", m => m.Tag("rpc.method") == "CallHeaders/Ticks" && m.Tag("rpc.response.status_code") == "ok");

        // The one-way message was handled before the request that followed it on the same link, which has been timed:
        // had it been timed, its measurements would be there.
        await metrics.WaitForAsync("rpc.server.call.duration", m => m.Tag("rpc.method") == "Conformance/Echo");
        Assert.DoesNotContain(metrics.Measurements, m => m.Instrument.StartsWith("rpc.", StringComparison.Ordinal) && m.Tag("rpc.method") is "Notice" or "Conformance/Note");
    }

    [Fact]
    public async Task Sessions_resumes_refusals_and_totals_are_counted()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        var transport = new InMemoryTransport();
        var chaos = new ChaosConnector(transport);
        var received = new SequenceRecorder(1);
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), received, o => o.MeterFactory = metrics.Factory);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos, MeterFactory = metrics.Factory }));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.StartAsync(server.LocalEndPoint!).Within();

        await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).Within();
        chaos.Cut();
        Assert.True((await resumed.Task.Within()).Resumed);
        await client.SendAsync(new Numbered(0)).Within();
        await received.Done.Within();

        var demanding = new TetherClientOptions { Transport = transport, MeterFactory = metrics.Factory };
        demanding.Capabilities.Add(new CapabilityRequest("Absent", 1, Required: true));
        await using (var refused = new TetherClient(demanding))
        {
            var error = await Assert.ThrowsAsync<TetherException>(() => refused.StartAsync(server.LocalEndPoint!)).Within();
            Assert.Equal(TetherErrorCode.MissingCapability, error.Code);
        }

        await metrics.WaitForAsync("tether.connection.refused", m => m.Tag("tether.side") == "server" && m.Tag("error.type") == "session.missing_capability");
        foreach (string side in new[] { "server", "client" })
        {
            await metrics.WaitForAsync("tether.session.started", m => m.Tag("tether.side") == side && m.Value == 1);
            await metrics.WaitForAsync("tether.session.active", m => m.Tag("tether.side") == side && m.Value == 1);
            await metrics.WaitForAsync("tether.session.resumed", m => m.Tag("tether.side") == side && m.Value == 1);
        }

        metrics.Observe();
        foreach (string side in new[] { "server", "client" })
        {
            foreach (string direction in new[] { "transmit", "receive" })
            {
                Assert.Contains(metrics.Of("tether.io.bytes"), m => m.Tag("tether.side") == side && m.Tag("network.io.direction") == direction && m.Value > 0);
                Assert.Contains(metrics.Of("tether.io.frames"), m => m.Tag("tether.side") == side && m.Tag("network.io.direction") == direction && m.Value >= 3);
            }

            Assert.Contains(metrics.Of("tether.call.pending"), m => m.Tag("tether.side") == side && m.Value == 0);
        }

        Assert.Contains(metrics.Of("tether.pool.rents"), m => m.Tag("tether.pool.block_size") is not null && m.Value > 0);
        Assert.Contains(metrics.Of("tether.pool.held"), m => m.Value > 0);

        await client.DisposeAsync();
        await metrics.WaitForAsync("tether.session.ended", m => m.Tag("tether.side") == "client" && m.Value == 1);
        await server.StopAsync().Within(); // the server may still hold the session for a resume: stopping ends it
        await metrics.WaitForAsync("tether.session.active", m => m.Tag("tether.side") == "server" && m.Value == -1);
        await metrics.WaitForAsync("tether.session.ended", m => m.Tag("tether.side") == "server" && m.Value == 1);
        Assert.Equal(2, metrics.Of("tether.session.started").Count()); // one session per side: the resume started none
    }
}
