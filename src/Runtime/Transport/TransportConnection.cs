using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Transport;

/// <summary>
/// One link to a peer, as a pair of pipes: <see cref="Input"/> holds bytes received, <see cref="Output"/> takes bytes
/// to send. TCP, TLS, QUIC and in-memory transports all hand the runtime this shape.
/// </summary>
public abstract class TransportConnection : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Bytes received from the peer.</summary>
    public abstract PipeReader Input { get; }

    /// <summary>Bytes to send to the peer. Its flush stops completing when <see cref="TransportConnectionOptions.SendBufferLimit"/> is reached (backpressure).</summary>
    public abstract PipeWriter Output { get; }

    /// <summary>Short name of the transport ("tcp", "inmemory", …), shown in session info.</summary>
    public abstract string TransportName { get; }

    /// <summary>This side's address.</summary>
    public abstract EndPoint? LocalEndPoint { get; }

    /// <summary>The peer's address.</summary>
    public abstract EndPoint? RemoteEndPoint { get; }

    /// <summary>The certificate the peer authenticated with (TLS, QUIC), already validated; null on plain links or when the peer sent none.</summary>
    public virtual X509Certificate2? RemoteCertificate => null;

    /// <summary>Bytes taken from <see cref="Output"/> and handed to the network so far.</summary>
    public abstract long BytesSent { get; }

    /// <summary>Bytes received from the network so far.</summary>
    public abstract long BytesReceived { get; }

    /// <summary>Cancelled once the link is closed or aborted.</summary>
    public abstract CancellationToken ConnectionClosed { get; }

    /// <summary>
    /// Where the runtime publishes the calls this link answers (their awaiters resume there), or null for a shared
    /// queue. A transport that runs its receive work in batches returns the scheduler of those batches, so callers
    /// resume, and their next requests are flushed, in the same pass as the answers that woke them.
    /// </summary>
    public virtual PipeScheduler? CompletionScheduler => null;

    /// <summary>
    /// Whether the link can carry more ordered byte streams beside its own (QUIC): then every call travels on a
    /// stream of its own (<see cref="TryOpenStream"/>, <see cref="AcceptStreamAsync"/>). False for TCP, TLS and
    /// the in-memory transport, whose calls share the link's one stream.
    /// </summary>
    public virtual bool SupportsStreams => false;

    /// <summary>
    /// Opens a new bidirectional stream at once, or returns null when the transport has none, the link is closing, or
    /// the peer's stream limit is reached (the caller then uses the link's own stream; nothing waits).
    /// </summary>
    public virtual TransportSubstream? TryOpenStream() => null;

    /// <summary>Waits for the next stream the peer opened; null once the link has ended (or never carries streams).</summary>
    public virtual ValueTask<TransportSubstream?> AcceptStreamAsync(CancellationToken cancellationToken = default) => new((TransportSubstream?)null);

    /// <summary>Closes the link at once, discarding unsent data; both pipes complete with <paramref name="reason"/>.</summary>
    public abstract void Abort(Exception? reason = null);

    /// <summary>Completes both pipes, flushes what was already written, closes the link and waits for its loops.</summary>
    public abstract ValueTask DisposeAsync();
}
