using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Tether.Client;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Server;
using Tether.Sessions;
using Tether.Transport;

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
        var counting = new StreamCountingConnector(quic.Connector);
        await using var client = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = counting }).Within();

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(new NumberedReply(i * 2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).Within());
        }

        Assert.Equal(1, counting.StreamsOpened);

        // Eight at once: the kept stream serves one of them, each of the others opens a stream of its own.
        NumberedReply[] replies = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1000 + i)).AsTask())).Within();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => new NumberedReply(2 * (1000 + i))), replies);
        Assert.InRange(counting.StreamsOpened, 2, 8);
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
        var counting = new StreamCountingConnector(quic.Connector);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = counting }));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.ConnectAsync(server.LocalEndPoint!).Within();

        // Two kept streams (two calls at once), then calls one after another on the stream kept last.
        await Task.WhenAll(client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).AsTask(),
            client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(2)).AsTask()).Within();
        for (int i = 3; i < 10; i++)
        {
            Assert.Equal(new NumberedReply(i * 2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).Within());
        }

        Task<NumberedReply> inFlight = client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(10)).AsTask();
        counting.Latest!.Abort(new TetherException(TetherErrorCode.ConnectionClosed, "cut by the test"));

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

    /// <summary>A connector whose connections forward everything, streams included, and count the streams this side opened.</summary>
    private sealed class StreamCountingConnector(ITransportConnector inner) : ITransportConnector
    {
        private int _opened;

        public int StreamsOpened => Volatile.Read(ref _opened);

        public TransportConnection? Latest { get; private set; }

        public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
        {
            var connection = new CountingConnection(await inner.ConnectAsync(endPoint, options, cancellationToken).ConfigureAwait(false), this);
            Latest = connection;
            return connection;
        }

        private sealed class CountingConnection(TransportConnection inner, StreamCountingConnector owner) : TransportConnection
        {
            public override PipeReader Input => inner.Input;

            public override PipeWriter Output => inner.Output;

            public override string TransportName => inner.TransportName;

            public override EndPoint? LocalEndPoint => inner.LocalEndPoint;

            public override EndPoint? RemoteEndPoint => inner.RemoteEndPoint;

            public override X509Certificate2? RemoteCertificate => inner.RemoteCertificate;

            public override long BytesSent => inner.BytesSent;

            public override long BytesReceived => inner.BytesReceived;

            public override CancellationToken ConnectionClosed => inner.ConnectionClosed;

            public override PipeScheduler? CompletionScheduler => inner.CompletionScheduler;

            public override bool SupportsStreams => inner.SupportsStreams;

            public override TransportSubstream? TryOpenStream()
            {
                TransportSubstream? stream = inner.TryOpenStream();
                if (stream is not null)
                {
                    Interlocked.Increment(ref owner._opened);
                }

                return stream;
            }

            public override ValueTask<TransportSubstream?> AcceptStreamAsync(CancellationToken cancellationToken = default) => inner.AcceptStreamAsync(cancellationToken);

            public override void Abort(Exception? reason = null) => inner.Abort(reason);

            public override ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
