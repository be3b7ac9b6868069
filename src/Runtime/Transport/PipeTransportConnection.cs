using System.IO.Pipelines;

namespace Tether.Transport;

/// <summary>
/// Base for transports that move bytes between the network and a pair of pipes (after Kestrel's socket
/// transport): the application reads <see cref="Input"/> and writes <see cref="Output"/>; the transport's loops
/// fill the input pipe and drain the output pipe. Counters and the closed token live here once.
/// </summary>
public abstract class PipeTransportConnection : TransportConnection
{
    private readonly Pipe? _input; // null when the transport reads its input itself (TCP)
    private PipeReader? _ownInput;
    private readonly Pipe? _output; // null when the transport writes its output itself (TCP)
    private PipeWriter? _ownOutput;
    private CancellationTokenSource? _closed; // made when someone first asks for the token, or at the close
    private long _bytesSent;
    private long _bytesReceived;
    private int _closeSignalled;

    /// <summary>Creates the two pipes from <paramref name="options"/>.</summary>
    protected PipeTransportConnection(TransportConnectionOptions options)
        : this(options, sendLoopQueued: false)
    {
    }

    /// <param name="options">The pipes' limits and pool.</param>
    /// <param name="sendLoopQueued">
    /// Whether the loop that drains <see cref="Output"/> resumes on this connection's scheduler rather than inline in
    /// the flush that wakes it. A send loop that runs other connections' code (the in-memory pump runs the peer's
    /// receive loop) must not run inside a flush: the runtime flushes under its output lock, and two such flushes
    /// crossing each other's receive loops deadlock.
    /// </param>
    private protected PipeTransportConnection(TransportConnectionOptions options, bool sendLoopQueued)
        : this(options, sendLoopQueued, inputPipe: true, outputPipe: true)
    {
    }

    /// <param name="options">The pipes' limits and pool.</param>
    /// <param name="sendLoopQueued">See the constructor above.</param>
    /// <param name="inputPipe">False: the transport overrides <see cref="Input"/> with a reader of its own and has no input pipe.</param>
    /// <param name="outputPipe">False: the transport gives <see cref="Output"/> a writer of its own and has no output pipe (nor send loop).</param>
    private protected PipeTransportConnection(TransportConnectionOptions options, bool sendLoopQueued, bool inputPipe, bool outputPipe)
    {
        ArgumentNullException.ThrowIfNull(options);
        // One batching scheduler per connection (spread round robin): pipe continuations cost no allocation.
        Internal.IOQueue scheduler = Internal.IOQueue.Next();
        Scheduler = scheduler;
        _input = inputPipe ? new Pipe(options.PipeOptionsFor(scheduler, PipeKind.Input)) : null;
        _output = outputPipe ? new Pipe(options.PipeOptionsFor(scheduler, sendLoopQueued ? PipeKind.QueuedOutput : PipeKind.Output)) : null;
        Options = options;
    }

    /// <summary>Runs this connection's pipe continuations (and the runtime's deferred flushes, so they share a pass).</summary>
    internal Internal.IOQueue Scheduler { get; }

    /// <inheritdoc />
    public override PipeScheduler? CompletionScheduler => Scheduler;

    /// <summary>The options the pipes were built from.</summary>
    protected TransportConnectionOptions Options { get; }

    /// <inheritdoc />
    public sealed override PipeReader Input => _ownInput ?? _input!.Reader;

    /// <summary>For a transport constructed without an input pipe: the reader it reads its input with.</summary>
    private protected void UseInput(PipeReader reader) => _ownInput = reader;

    /// <inheritdoc />
    public sealed override PipeWriter Output => _ownOutput ?? _output!.Writer;

    /// <summary>For a transport constructed without an output pipe: the writer it sends its output with.</summary>
    private protected void UseOutput(PipeWriter writer) => _ownOutput = writer;

    /// <summary>Where the transport's receive loop writes what arrives.</summary>
    protected PipeWriter ReceivedWriter => _input?.Writer ?? throw new InvalidOperationException("This transport reads its input without a pipe.");

    /// <summary>Where the transport's send loop reads what to send.</summary>
    protected PipeReader SendReader => _output?.Reader ?? throw new InvalidOperationException("This transport sends its output without a pipe.");

    /// <inheritdoc />
    public sealed override long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <inheritdoc />
    public sealed override long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <inheritdoc />
    public sealed override CancellationToken ConnectionClosed => ClosedSource.Token;

    private CancellationTokenSource ClosedSource => _closed ?? LazyInitializer.EnsureInitialized(ref _closed, static () => new CancellationTokenSource());

    /// <summary>Counts bytes handed to the network.</summary>
    protected void AddBytesSent(long count) => Interlocked.Add(ref _bytesSent, count);

    /// <summary>Counts bytes received from the network.</summary>
    protected void AddBytesReceived(long count) => Interlocked.Add(ref _bytesReceived, count);

    /// <summary>Fires <see cref="ConnectionClosed"/> once, off the calling thread (callbacks must not run inside an I/O loop).</summary>
    protected void SignalClosed()
    {
        if (Interlocked.Exchange(ref _closeSignalled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), ClosedSource, preferLocal: false);
        }
    }
}
