using System.IO.Pipelines;

namespace Tether.Transport;

/// <summary>
/// One more ordered byte stream of a link, beside the link's own (<see cref="TransportConnection.Input"/> and
/// <see cref="TransportConnection.Output"/>): a QUIC bidirectional stream. The runtime gives each call its own, so a
/// call whose reader stalls, or whose packet was lost, holds up no other call.
/// </summary>
/// <remarks>
/// Completing <see cref="Output"/> ends this side's direction gracefully (QUIC FIN) once everything written has been
/// sent; <see cref="Input"/> completes when the peer ended its direction. Each direction has its own flow control.
/// </remarks>
public abstract class TransportSubstream : IDuplexPipe
{
    /// <summary>The transport's identifier of the stream (the QUIC stream id).</summary>
    public abstract long Id { get; }

    /// <summary>Bytes the peer sent on this stream.</summary>
    public abstract PipeReader Input { get; }

    /// <summary>Bytes to send on this stream; its flush stops completing at the send buffer limit (backpressure).</summary>
    public abstract PipeWriter Output { get; }

    /// <summary>Ends both directions at once, discarding unsent data (QUIC RESET_STREAM and STOP_SENDING).</summary>
    public abstract void Abort();

    /// <summary>
    /// Whether a flush of <see cref="Output"/> only hands the bytes to the connection's own send pass, which gathers
    /// every stream's flushes into shared packets. Writers then flush at once: deferring the flush to gather more
    /// frames would only add a thread hop, since one stream carries one call's frames.
    /// </summary>
    public virtual bool GathersFlushes => false;
}
