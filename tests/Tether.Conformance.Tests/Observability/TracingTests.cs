using System.Collections.Concurrent;
using System.Diagnostics;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Observability;

/// <summary>
/// Client and server spans as an <see cref="ActivityListener"/> sees them. Each test runs under a root activity of its
/// own and keeps only the spans of its trace, so tests running beside it do not disturb it.
/// </summary>
public sealed class TracingTests : IDisposable
{
    private static readonly ActivitySource s_tests = new("Tether.Conformance.Tests");
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private Activity _root = null!;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is TetherDiagnostics.ClientActivitySourceName or TetherDiagnostics.ServerActivitySourceName or "Tether.Conformance.Tests",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                _stopped.Enqueue(activity);
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts the test's root span (in the test's own flow, so the calls it makes are its children).</summary>
    private Activity StartRoot() => _root = s_tests.StartActivity("test") ?? throw new InvalidOperationException("The test source is not sampled.");

    [Fact]
    public async Task One_trace_spans_client_and_server_with_the_right_parent_and_outcome()
    {
        using Activity root = StartRoot();
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        await client.Inspect(new HeaderProbe(1)).Within();
        await Assert.ThrowsAsync<TetherException>(() => client.Refuse(new RelayRequest(2)).AsTask()).Within();

        Activity clientSpan = await SpanAsync(TetherDiagnostics.ClientActivitySourceName, "CallHeaders/Inspect");
        Activity serverSpan = await SpanAsync(TetherDiagnostics.ServerActivitySourceName, "CallHeaders/Inspect");
        Assert.Equal(ActivityKind.Client, clientSpan.Kind);
        Assert.Equal(ActivityKind.Server, serverSpan.Kind);
        Assert.Equal(_root.SpanId, clientSpan.ParentSpanId);
        Assert.Equal(clientSpan.SpanId, serverSpan.ParentSpanId);
        Assert.True(serverSpan.HasRemoteParent);
        foreach (Activity span in new[] { clientSpan, serverSpan })
        {
            Assert.Equal(ActivityStatusCode.Ok, span.Status);
            Assert.Equal("tether", span.GetTagItem("rpc.system.name"));
            Assert.Equal("CallHeaders/Inspect", span.GetTagItem("rpc.method"));
            Assert.Equal("tcp", span.GetTagItem("network.transport"));
            Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        }

        await AssertFailedOnBothSidesAsync("CallHeaders/Refuse", "dispatch.unexpected_reply");
    }

    [Fact]
    public async Task A_timed_out_and_a_cancelled_call_end_their_spans_with_the_reason_on_both_sides()
    {
        using Activity root = StartRoot();
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory());
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        await Assert.ThrowsAsync<DeadlineExceededException>(() => client.Expire(new DeadlineProbe(1), CallOptions.WithTimeout(TimeSpan.FromMilliseconds(100))).AsTask()).Within();
        Assert.Equal(1, await harness.Probe.Started.NextAsync());
        await AssertFailedOnBothSidesAsync("CallHeaders/Expire", "dispatch.call_timed_out");

        _stopped.Clear();
        using var cancel = new CancellationTokenSource();
        Task cancelled = client.Expire(new DeadlineProbe(2), cancel.Token).AsTask();
        Assert.Equal(2, await harness.Probe.Started.NextAsync());
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();
        await AssertFailedOnBothSidesAsync("CallHeaders/Expire", "dispatch.call_canceled");
    }

    [Fact]
    public async Task A_call_made_inside_a_handler_continues_the_trace_across_two_hops()
    {
        using Activity root = StartRoot();
        await using Harness downstream = await Harness.StartAsync(TransportUnderTest.InMemory());
        await using Harness upstream = await Harness.StartAsync(TransportUnderTest.InMemory());
        upstream.Probe.Downstream = await downstream.ConnectAsync();
        var client = new CallHeadersHandler.Client(await upstream.ConnectAsync());

        await client.Relay(new DownstreamRequest(1, ToExpire: false)).Within();

        Activity first = await SpanAsync(TetherDiagnostics.ClientActivitySourceName, "CallHeaders/Relay");
        Activity relay = await SpanAsync(TetherDiagnostics.ServerActivitySourceName, "CallHeaders/Relay");
        Activity second = await SpanAsync(TetherDiagnostics.ClientActivitySourceName, "CallHeaders/Inspect");
        Activity inspect = await SpanAsync(TetherDiagnostics.ServerActivitySourceName, "CallHeaders/Inspect");
        Assert.Equal(first.SpanId, relay.ParentSpanId);
        Assert.Equal(relay.SpanId, second.ParentSpanId);
        Assert.Equal(second.SpanId, inspect.ParentSpanId);
        Assert.All(new[] { first, relay, second, inspect }, span => Assert.Equal(_root.TraceId, span.TraceId));
    }

    [Fact]
    public async Task A_resume_is_an_event_on_the_spans_of_the_calls_it_carried()
    {
        using Activity root = StartRoot();
        TransportUnderTest memory = TransportUnderTest.InMemory();
        await using Harness harness = await Harness.StartAsync(memory);
        var chaos = new ChaosConnector(memory.Connector);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos }));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.StartAsync(harness.Server.LocalEndPoint!).Within();

        Task blocked = client.RequestAsync(new BlockRequest(7)).AsTask(); // running on the server across the cut
        Assert.Equal(7, await harness.Probe.Started.NextAsync());
        chaos.Cut();
        Assert.True((await resumed.Task.Within()).Resumed);
        harness.Probe.Gate.SetResult();
        await blocked.Within();

        foreach ((string source, string name) in new[] { (TetherDiagnostics.ClientActivitySourceName, "BlockRequest"), (TetherDiagnostics.ServerActivitySourceName, "Conformance/Block") })
        {
            Activity span = await SpanAsync(source, name);
            ActivityEvent resume = Assert.Single(span.Events, e => e.Name == "tether.resumed");
            Assert.Equal("inmemory", resume.Tags.Single(t => t.Key == "network.transport.name").Value);
        }
    }

    /// <summary>The client and the server span of <paramref name="method"/> ended in error with <paramref name="errorType"/>.</summary>
    private async Task AssertFailedOnBothSidesAsync(string method, string errorType)
    {
        foreach (string source in new[] { TetherDiagnostics.ClientActivitySourceName, TetherDiagnostics.ServerActivitySourceName })
        {
            Activity span = await SpanAsync(source, method);
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Equal(errorType, span.GetTagItem("error.type"));
        }
    }

    /// <summary>Waits (woken by each stopped span) for the span of this test's trace with <paramref name="name"/>.</summary>
    private async Task<Activity> SpanAsync(string source, string name)
    {
        using var timeout = new CancellationTokenSource(Harness.Patience);
        while (true)
        {
            Task changed = Volatile.Read(ref _changed).Task;
            if (_stopped.FirstOrDefault(a => a.Source.Name == source && a.DisplayName == name && a.TraceId == _root.TraceId) is { } found)
            {
                return found;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    public void Dispose() => _listener.Dispose();
}
