using System.Diagnostics.Metrics;
using System.Net;
using Tether.Observability;

namespace Tether.Runtime.Tests.Observability;

/// <summary>
/// A connection's call durations as a <see cref="MeterListener"/> sees them: successful calls are recorded with a ready
/// attribute set per method and link, which must carry exactly what a freshly built list would, follow the link when it
/// changes, never mix up methods that share a slot, wait for the batch's flush when the receive loop records them, and
/// stop allocating once made.
/// </summary>
public sealed class ConnectionMetricsTests : IDisposable
{
    private readonly MeterFactory _factory = new();
    private readonly TetherMetrics _metrics;
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, Dictionary<string, object?> Tags, double Value)> _recorded = [];
    private bool _capture = true;

    public ConnectionMetricsTests()
    {
        _metrics = TetherMetrics.For(_factory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (_capture)
            {
                var copy = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    Assert.True(copy.TryAdd(tag.Key, tag.Value), $"{tag.Key} twice");
                }

                _recorded.Add((instrument.Name, copy, value));
            }
        });
        _listener.Start();
    }

    [Fact]
    public void Successful_calls_carry_their_own_method_and_the_current_links_attributes()
    {
        var metrics = new ConnectionMetrics(_metrics, isServer: true);
        metrics.OnLinkActive("tcp", new IPEndPoint(IPAddress.Loopback, 5000));

        // More methods than slots: some share a slot, and each must still be recorded under its own name.
        string[] methods = [.. Enumerable.Range(0, 40).Select(static i => $"Service/Method{i}")];
        for (int round = 0; round < 3; round++)
        {
            foreach (string method in methods)
            {
                metrics.RecordServerCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.None);
                metrics.RecordClientCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), error: null);
            }
        }

        Assert.Equal(methods.Length * 6, _recorded.Count);
        for (int i = 0; i < _recorded.Count; i++)
        {
            (string instrument, Dictionary<string, object?> tags, _) = _recorded[i];
            Assert.Equal(i % 2 == 0 ? "rpc.server.call.duration" : "rpc.client.call.duration", instrument);
            Assert.Equal(methods[(i / 2) % methods.Length], tags["rpc.method"]);
            Assert.Equal("tether", tags["rpc.system.name"]);
            Assert.Equal("ok", tags["rpc.response.status_code"]);
            Assert.Equal("tcp", tags["network.transport"]);
            Assert.Equal("127.0.0.1", tags["server.address"]);
            Assert.Equal(5000, tags["server.port"]);
            Assert.False(tags.ContainsKey("error.type"));
            Assert.Equal(6, tags.Count);
        }

        // A resume onto another link: the same method is recorded with the new link's attributes.
        _recorded.Clear();
        metrics.OnLinkActive("quic", new IPEndPoint(IPAddress.IPv6Loopback, 6000));
        metrics.RecordServerCall(methods[0], System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.None);
        Dictionary<string, object?> moved = Assert.Single(_recorded).Tags;
        Assert.Equal("quic", moved["network.transport"]);
        Assert.Equal("::1", moved["server.address"]);
        Assert.Equal(6000, moved["server.port"]);

        // A failure is still tagged with its code.
        _recorded.Clear();
        metrics.RecordServerCall(methods[0], System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.CallTimedOut);
        Dictionary<string, object?> failed = Assert.Single(_recorded).Tags;
        Assert.Equal("dispatch.call_timed_out", failed["rpc.response.status_code"]);
        Assert.Equal("dispatch.call_timed_out", failed["error.type"]);
    }

    [Fact]
    public void Durations_recorded_by_the_receive_loop_in_a_batch_go_out_after_its_flush()
    {
        var metrics = new ConnectionMetrics(_metrics, isServer: true);
        metrics.OnLinkActive("tcp", new IPEndPoint(IPAddress.Loopback, 5000));
        long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

        // One method: two methods may share a slot of ready attribute sets, and the one without it is recorded at once.
        metrics.BeginBatch();
        metrics.RecordServerCall("Service/Kept", startedAt, TetherErrorCode.None);
        metrics.RecordClientCall("Service/Kept", startedAt, error: null);
        Assert.Empty(_recorded); // kept: the batch's answers are not flushed yet

        // Another thread (an asynchronous handler finishing) records at once; so does a failure.
        var elsewhere = new Thread(() => metrics.RecordServerCall("Service/Elsewhere", startedAt, TetherErrorCode.None));
        elsewhere.Start();
        elsewhere.Join();
        metrics.RecordServerCall("Service/Failed", startedAt, TetherErrorCode.CallTimedOut);
        Assert.Equal(["Service/Elsewhere", "Service/Failed"], _recorded.Select(static r => r.Tags["rpc.method"]));

        metrics.EndBatch();
        Assert.Equal(["Service/Elsewhere", "Service/Failed", "Service/Kept", "Service/Kept"], _recorded.Select(static r => r.Tags["rpc.method"]));
        Assert.Equal(["rpc.server.call.duration", "rpc.client.call.duration"], _recorded.Skip(2).Select(static r => r.Instrument));
        Assert.All(_recorded.Skip(2), static r => Assert.Equal("ok", r.Tags["rpc.response.status_code"]));

        // After the batch: at once again.
        metrics.RecordServerCall("Service/After", startedAt, TetherErrorCode.None);
        Assert.Equal("Service/After", _recorded[^1].Tags["rpc.method"]);

        // A batch keeps at most 1,024 durations: past that, they are recorded at once, and none is lost. (A connection of
        // its own, whose one method has its slot.)
        _recorded.Clear();
        var busy = new ConnectionMetrics(_metrics, isServer: true);
        busy.OnLinkActive("tcp", new IPEndPoint(IPAddress.Loopback, 5000));
        busy.BeginBatch();
        for (int i = 0; i < 1_100; i++)
        {
            busy.RecordServerCall("Service/Many", startedAt, TetherErrorCode.None);
        }

        Assert.Equal(76, _recorded.Count);
        busy.EndBatch();
        Assert.Equal(1_100, _recorded.Count);
    }

    [Fact]
    public void Calls_the_receive_loop_starts_and_ends_in_a_batch_are_timed_from_its_read_to_its_answers()
    {
        var metrics = new ConnectionMetrics(_metrics, isServer: true);
        metrics.OnLinkActive("tcp", new IPEndPoint(IPAddress.Loopback, 5000));

        metrics.BeginBatch();
        long first = metrics.ServerCallStarted();
        long second = metrics.ServerCallStarted();
        Assert.Equal(first, second); // one clock read for the batch: its requests arrived together
        long elsewhere = 0;
        var thread = new Thread(() => elsewhere = metrics.ServerCallStarted()); // an asynchronous handler's thread
        thread.Start();
        thread.Join();
        Assert.True(elsewhere > first, "A call started off the receive loop is timed from when it starts.");

        metrics.RecordServerCall("Service/Kept", first, TetherErrorCode.None); // one method: see the test above
        metrics.RecordServerCall("Service/Kept", second, TetherErrorCode.None);
        metrics.BatchAnswered();
        Assert.Empty(_recorded);
        metrics.EndBatch();

        // Both ended with the batch: the same duration, from the batch's read to its answers.
        Assert.Equal(2, _recorded.Count);
        Assert.Equal(_recorded[0].Value, _recorded[1].Value);
        Assert.True(_recorded[0].Value >= 0);

        // After the batch, each call is timed from its own start.
        Assert.True(metrics.ServerCallStarted() > first);
    }

    [Fact]
    public void Recording_a_successful_call_allocates_nothing_once_its_attributes_are_made()
    {
        var metrics = new ConnectionMetrics(_metrics, isServer: false);
        metrics.OnLinkActive("tcp", new IPEndPoint(IPAddress.Loopback, 5000));
        const string method = "Service/Method";
        metrics.RecordClientCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), error: null);
        metrics.RecordServerCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.None);
        _capture = false;

        metrics.BeginBatch(); // the batch buffer is made once
        metrics.RecordServerCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.None);
        metrics.EndBatch();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            metrics.RecordClientCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), error: null);
            metrics.RecordServerCall(method, System.Diagnostics.Stopwatch.GetTimestamp(), TetherErrorCode.None);
            if (i % 25 == 0)
            {
                metrics.BeginBatch();
            }
            else if (i % 25 == 24)
            {
                metrics.EndBatch();
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _factory.Dispose();
    }

    /// <summary>The one meter <see cref="TetherMetrics.For"/> asks for, so the listener hears only this test's instruments.</summary>
    private sealed class MeterFactory : IMeterFactory
    {
        private Meter? _meter;

        public Meter Create(MeterOptions options) => _meter ??= new Meter(options);

        public void Dispose() => _meter?.Dispose();
    }
}
