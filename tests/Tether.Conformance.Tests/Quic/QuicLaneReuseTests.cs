using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// A call stream whose call was answered carries the caller's next call (wire format §8.1), so a caller pays for
/// opening a QUIC stream once rather than per call; calls in flight at the same time still each have their own.
/// </summary>
public sealed partial class QuicLaneReuseTests
{
    [Fact]
    public async Task Calls_one_after_another_take_turns_on_one_stream_and_concurrent_calls_get_their_own()
    {
        TransportUnderTest quic = TransportUnderTest.Quic();
        await using TetherServer server = await ResumeTests.StartServerAsync(quic.Listener, quic.NewEndPoint(), new SequenceRecorder(1));
        var links = new ChaosConnector(quic.Connector);
        await using var client = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = links }).Within();

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(new NumberedReply(i * 2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).Within());
        }

        Assert.Equal(1, links.StreamsOpened);

        // Eight at once: the kept stream serves one of them, each of the others opens a stream of its own.
        NumberedReply[] replies = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1000 + i)).AsTask())).Within();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => new NumberedReply(2 * (1000 + i))), replies);
        Assert.InRange(links.StreamsOpened, 2, 8);
    }

    /// <summary>A durable session (its journal logs one ordered sequence) runs every call on the connection's own stream, also concurrent ones.</summary>
    [Fact]
    public async Task A_durable_session_opens_no_call_streams()
    {
        TransportUnderTest quic = TransportUnderTest.Quic();
        string directory = Path.Combine(Path.GetTempPath(), "tether-quic-durable-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using TetherServer server = await ResumeTests.StartServerAsync(quic.Listener, quic.NewEndPoint(), new SequenceRecorder(1),
                o => o.DurableSessions = new Storage.DurableStoreOptions { Directory = directory });
            var links = new ChaosConnector(quic.Connector);
            await using var client = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = links }).Within();
            Assert.True(client.Contract!.Durable);

            NumberedReply[] replies = await Task.WhenAll(Enumerable.Range(0, 16)
                .Select(i => client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).AsTask())).Within();
            Assert.Equal(Enumerable.Range(0, 16).Select(i => new NumberedReply(2 * i)), replies);
            Assert.Equal(0, links.StreamsOpened);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The link is lost while kept streams hold answered calls (whose answers the callee still keeps, until the next
    /// request on the stream) and one call is in flight. After the resume over QUIC every call is answered once, with
    /// its own answer, and later calls work.
    /// </summary>
    [Fact]
    public async Task A_resume_with_kept_call_streams_answers_every_call_once()
    {
        TransportUnderTest quic = TransportUnderTest.Quic();
        var handled = new CallCounter();
        await using var server = new TetherServer(new TetherServerOptions { Transport = quic.Listener, EndPoint = quic.NewEndPoint() });
        server.AddHandler(new CountingCallHandler(handled));
        await server.StartAsync();
        var links = new ChaosConnector(quic.Connector);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = links }));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.StartAsync(server.LocalEndPoint!).Within();

        // Two kept streams (two calls at once), then calls one after another on the stream kept last.
        await Task.WhenAll(client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).AsTask(),
            client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(2)).AsTask()).Within();
        for (int i = 3; i < 10; i++)
        {
            Assert.Equal(new NumberedReply(i * 2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).Within());
        }

        Task<NumberedReply> inFlight = client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(10)).AsTask();
        links.Cut();

        ReconnectAttempt attempt = await resumed.Task.Within();
        Assert.True(attempt.Resumed);
        Assert.Equal(new NumberedReply(20), await inFlight.Within());
        for (int i = 11; i < 30; i++)
        {
            Assert.Equal(new NumberedReply(i * 2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).Within());
        }

        Assert.Equal(SessionState.Active, client.State);
        Assert.Equal(29, handled.Distinct);
        Assert.Equal(0, handled.Repeats); // the in-flight call ran once, whether its request had arrived or was moved
    }

    /// <summary>Counts the calls a handler ran, by value, and how many values ran twice.</summary>
    private sealed class CallCounter
    {
        private readonly HashSet<long> _seen = [];
        private int _repeats;

        public int Distinct
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }

        public int Repeats => Volatile.Read(ref _repeats);

        public void Record(long value)
        {
            lock (_seen)
            {
                if (!_seen.Add(value))
                {
                    _repeats++;
                }
            }
        }
    }

    [Handler(ServiceName = "LaneReuseCalls")]
    private sealed partial class CountingCallHandler(CallCounter counter)
    {
        public ValueTask<NumberedReply> Call(NumberedCall call)
        {
            counter.Record(call.Value);
            return new(new NumberedReply(call.Value * 2));
        }
    }
}
