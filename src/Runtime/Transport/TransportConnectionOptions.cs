using System.Buffers;
using System.IO.Pipelines;

namespace Tether.Transport;

/// <summary>Buffering a transport applies to each connection. The runtime derives it from its own limits.</summary>
public sealed class TransportConnectionOptions
{
    /// <summary>Memory for both pipes.</summary>
    /// <remarks>Defaults to <see cref="TieredMemoryPool.Default"/>.</remarks>
    public MemoryPool<byte> MemoryPool { get; init; } = TieredMemoryPool.Default;

    /// <summary>Received bytes buffered before the transport stops reading from the network.</summary>
    /// <remarks>Defaults to 1 MiB. The runtime raises it above its maximum frame size, or a large frame could never complete.</remarks>
    public long ReceiveBufferLimit { get; init; } = 1024 * 1024;

    /// <summary>Bytes waiting to be sent before the output's flush stops completing (the send-queue bound; TCP's writer keeps the same thresholds without a pipe).</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public long SendBufferLimit { get; init; } = 1024 * 1024;

    /// <summary>
    /// Listeners ask this with a new connection's remote address before they read or write a byte of it (before a TLS
    /// handshake too); false: the connection is closed at once. The server's address lists and connection rate limit.
    /// </summary>
    /// <remarks>Defaults to null: every connection is taken.</remarks>
    public Func<System.Net.EndPoint?, bool>? AcceptFilter { get; init; }

    /// <summary>Smallest block the pipes rent.</summary>
    /// <remarks>Defaults to 8 KiB (the default pool's middle tier).</remarks>
    public int MinimumSegmentSize { get; init; } = 8 * 1024;

    private PipeOptions?[]? _shared;

    /// <summary>Options for the pipe that carries received bytes to the application.</summary>
    /// <param name="scheduler">Runs the writer's continuations (one per connection; see <see cref="PipeTransportConnection"/>).
    /// The application's reader runs inline on the transport's receive loop.</param>
    public PipeOptions CreateInputPipeOptions(PipeScheduler scheduler) => Create(ReceiveBufferLimit, PipeScheduler.Inline, scheduler);

    /// <summary>Options for the pipe that carries the application's bytes to the network.</summary>
    /// <param name="scheduler">Runs the writer's continuations (backpressure released). The transport's send loop runs
    /// inline in the flush that wakes it: the thread that flushed performs the send, as a raw socket write would.</param>
    public PipeOptions CreateOutputPipeOptions(PipeScheduler scheduler) => Create(SendBufferLimit, PipeScheduler.Inline, scheduler);

    /// <summary>Options for the pipe that carries the application's bytes on, with the send loop resumed by <paramref name="readerScheduler"/>.</summary>
    internal PipeOptions CreateOutputPipeOptions(PipeScheduler scheduler, PipeScheduler readerScheduler) => Create(SendBufferLimit, readerScheduler, scheduler);

    /// <summary>
    /// The options of one of a connection's pipes on <paramref name="queue"/>, made once per queue and kind and shared by
    /// every connection on it (as Kestrel's socket transport does): an idle connection then holds no options of its own.
    /// </summary>
    internal PipeOptions PipeOptionsFor(Internal.IOQueue queue, PipeKind kind)
    {
        PipeOptions?[] cache = LazyInitializer.EnsureInitialized(ref _shared, static () => new PipeOptions?[Internal.IOQueue.Count * 3]);
        int slot = (queue.Index * 3) + (int)kind;
        if (Volatile.Read(ref cache[slot]) is { } options)
        {
            return options;
        }

        options = kind switch
        {
            PipeKind.Input => CreateInputPipeOptions(queue),
            PipeKind.Output => CreateOutputPipeOptions(queue),
            _ => CreateOutputPipeOptions(queue, readerScheduler: queue),
        };

        // Two connections racing here make equal options; either may be kept.
        return Interlocked.CompareExchange(ref cache[slot], options, null) ?? options;
    }

    // Kestrel builds these twice, once per direction; one helper keeps the two in step.
    private PipeOptions Create(long pauseAt, PipeScheduler readerScheduler, PipeScheduler writerScheduler) => new(
        pool: MemoryPool,
        readerScheduler: readerScheduler,
        writerScheduler: writerScheduler,
        pauseWriterThreshold: pauseAt,
        resumeWriterThreshold: pauseAt / 2,
        minimumSegmentSize: MinimumSegmentSize,
        useSynchronizationContext: false);
}

/// <summary>Which of a connection's pipes <see cref="TransportConnectionOptions.PipeOptionsFor"/> makes options for.</summary>
internal enum PipeKind
{
    /// <summary>Received bytes to the application.</summary>
    Input,

    /// <summary>The application's bytes to a send loop resumed inline by the flush.</summary>
    Output,

    /// <summary>The application's bytes to a send loop resumed on the connection's queue.</summary>
    QueuedOutput,
}
