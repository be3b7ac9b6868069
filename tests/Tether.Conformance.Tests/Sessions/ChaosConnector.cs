using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Tether.Transport;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// Wraps a client's transport so a test can cut links (for transports a socket proxy cannot sit in front of, such
/// as the in-memory one) and hold reconnects back. A cut happens after a random number of bytes, so usually in the
/// middle of a frame: the bytes before it are delivered, the rest never are. A QUIC link's call streams are passed
/// through uncounted.
/// </summary>
public sealed class ChaosConnector(ITransportConnector inner) : ITransportConnector
{
    private readonly Lock _lock = new();
    private ChaosConnection? _current;
    private TaskCompletionSource _open = CompletedGate();

    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Call streams the client opened on links of this connector (QUIC only).</summary>
    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    private int _cuts;
    private int _streamsOpened;

    /// <summary>When set, each new link is cut after a byte budget drawn from it (null: never).</summary>
    public Func<long>? Budget { get; set; }

    /// <summary>When set, connects fail at once as if nothing listened (the route is down).</summary>
    public bool RefuseConnects { get; set; }

    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        if (RefuseConnects)
        {
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused);
        }

        Task gate;
        lock (_lock)
        {
            gate = _open.Task;
        }

        await gate.WaitAsync(cancellationToken);
        TransportConnection transport = await inner.ConnectAsync(endPoint, options, cancellationToken);
        var chaos = new ChaosConnection(transport, Budget?.Invoke() ?? long.MaxValue, this);
        lock (_lock)
        {
            _current = chaos;
        }

        return chaos;
    }

    /// <summary>From now on (including the current link) links are cut after budgets drawn from <paramref name="budget"/>.</summary>
    public void Arm(Func<long> budget)
    {
        ChaosConnection? current;
        lock (_lock)
        {
            Budget = budget;
            current = _current;
        }

        current?.SetBudget(budget());
    }

    /// <summary>Cuts the current link now.</summary>
    public void Cut()
    {
        ChaosConnection? current;
        lock (_lock)
        {
            current = _current;
        }

        current?.Cut();
    }

    /// <summary>New connects wait until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    internal void CountCut() => Interlocked.Increment(ref _cuts);

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    /// <summary>Relays between the engine's pipes and the real transport, counting bytes against the budget.</summary>
    private sealed class ChaosConnection : TransportConnection
    {
        private readonly TransportConnection _inner;
        private readonly Pipe _toPeer = new(new PipeOptions(useSynchronizationContext: false));
        private readonly Pipe _fromPeer = new(new PipeOptions(useSynchronizationContext: false));
        private readonly CancellationTokenSource _closed = new();
        private readonly ChaosConnector _owner;
        private readonly Task _relays;
        private long _budget;
        private int _cut;

        public ChaosConnection(TransportConnection inner, long budget, ChaosConnector owner)
        {
            _inner = inner;
            _budget = budget;
            _owner = owner;
            _relays = Task.WhenAll(RelayAsync(_toPeer.Reader, inner.Output), RelayAsync(inner.Input, _fromPeer.Writer));
        }

        public override PipeReader Input => _fromPeer.Reader;

        public override PipeWriter Output => _toPeer.Writer;

        public override string TransportName => _inner.TransportName;

        public override EndPoint? LocalEndPoint => _inner.LocalEndPoint;

        public override EndPoint? RemoteEndPoint => _inner.RemoteEndPoint;

        public override long BytesSent => _inner.BytesSent;

        public override long BytesReceived => _inner.BytesReceived;

        public override CancellationToken ConnectionClosed => _closed.Token;

        // A QUIC link's call streams are the real transport's: only stream 0 is relayed and counted against the budget,
        // and a cut (which aborts the real connection) ends the streams with it.
        public override bool SupportsStreams => _inner.SupportsStreams;

        public override TransportSubstream? TryOpenStream()
        {
            TransportSubstream? stream = Volatile.Read(ref _cut) == 0 ? _inner.TryOpenStream() : null;
            if (stream is not null)
            {
                Interlocked.Increment(ref _owner._streamsOpened);
            }

            return stream;
        }

        public override ValueTask<TransportSubstream?> AcceptStreamAsync(CancellationToken cancellationToken = default) => _inner.AcceptStreamAsync(cancellationToken);

        public void Cut() => Stop(counted: true);

        public void SetBudget(long budget) => Interlocked.Exchange(ref _budget, budget);

        private void Stop(bool counted)
        {
            if (Interlocked.Exchange(ref _cut, 1) != 0)
            {
                return;
            }

            if (counted)
            {
                _owner.CountCut();
            }

            // What was relayed before the cut stays readable; then the engine sees the link end (usually mid-frame).
            _inner.Abort(new IOException("The test cut the link."));
            _toPeer.Reader.CancelPendingRead();
            _fromPeer.Writer.Complete();
            _closed.Cancel();
        }

        private async Task RelayAsync(PipeReader from, PipeWriter to)
        {
            try
            {
                while (Volatile.Read(ref _cut) == 0)
                {
                    ReadResult result = await from.ReadAsync();
                    var buffer = result.Buffer;
                    long length = buffer.Length;
                    long allowed = Math.Min(length, Math.Max(0, Interlocked.Read(ref _budget)));
                    foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, allowed))
                    {
                        to.Write(segment.Span);
                    }

                    from.AdvanceTo(buffer.End);
                    await to.FlushAsync();
                    if (Interlocked.Add(ref _budget, -length) < 0)
                    {
                        Cut(); // part of this read went through, the rest is lost: a cut mid-frame
                        return;
                    }

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (Exception)
            {
                Stop(counted: false); // the other side ended the link
            }
            finally
            {
                await to.CompleteAsync();
            }
        }

        public override void Abort(Exception? reason = null) => Stop(counted: false);

        public override async ValueTask DisposeAsync()
        {
            Stop(counted: false);
            await _toPeer.Writer.CompleteAsync();
            await _fromPeer.Reader.CompleteAsync();
            await _relays;
            await _inner.DisposeAsync();
        }
    }
}
