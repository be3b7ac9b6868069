using System.IO.Pipelines;
using System.Net;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// A QUIC stream that carries one call at a time (wire format §8.1): the caller opens it with a request; the callee
/// answers on it. A caller whose call was answered keeps the stream for its next call (idle lanes, at most
/// <c>MaxIdleLanes</c>); a stream whose call was cancelled or timed out, or that is not kept, ends (FIN) from the
/// caller, and the callee then ends its direction too. A side's frames need no replay once it has read the peer's FIN.
/// </summary>
/// <remarks>
/// On a resumable session each direction numbers its frames from 1 (the header's sequence field) and keeps them until
/// the peer acknowledges them (an <see cref="Framing.FrameType.Ack"/> on the stream) or ends its direction; a caller
/// drops its frames of a call once the call is answered, and a callee drops its answer when the next request arrives
/// (the caller sends it only after the answer). When the link
/// breaks, the call's output keeps what it holds; after the resume it moves onto the link's stream
/// (<see cref="FrameOutput.FoldInto"/>), and the receiver drops the frames it already had.
/// </remarks>
internal sealed class CallLane
{
    private int _outputEnded;
    private bool _loopEnded;

    public CallLane(TransportSubstream stream, TransportConnection link, bool outgoing, uint callId, int peerMaxFrameSize, long sendQueueLimit)
    {
        Stream = stream;
        LinkTransport = link;
        Transport = new SubstreamConnection(stream, link);
        Outgoing = outgoing;
        CallId = callId;
        // A stream that gathers flushes itself (QUIC: the connection's send pass) is flushed at once, not after a hop.
        Output = new FrameOutput(Transport, peerMaxFrameSize, sendQueueLimit, stream.GathersFlushes ? PipeScheduler.Inline : null);
    }

    /// <summary>Guards <see cref="Inbound"/> against <see cref="Detached"/>: once the link is lost no further frame of the stream counts.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The link was lost: frames still buffered on the stream are not handled (the peer sends them again after the resume).</summary>
    public bool Detached { get; set; }

    /// <summary>After a resume: this side's frames of the call moved to the link's stream; the record stays until the peer's move is known.</summary>
    public int MovedAtLoss { get; set; } = -1;

    /// <summary>Frames the peer moves to the link's stream that this side already had (the receive loop drops them).</summary>
    public ulong Skip { get; set; }

    /// <summary>The transport of the link whose connection carries the stream: only lanes of the current link are reused.</summary>
    public TransportConnection LinkTransport { get; }

    /// <summary>
    /// Caller: the call the lane carried before the current one, also a key of the lane until the current call is
    /// answered. The callee may still keep that call's answer (it drops it when the next request arrives), so after
    /// a resume the answer it moves must find this lane and be dropped as a repeat.
    /// </summary>
    public uint PreviousCallId { get; set; }

    /// <summary>Callee: calls started on the lane and not yet finished (guarded by <see cref="Gate"/>).</summary>
    public int ActiveCalls { get; set; }

    /// <summary>The lane's receive loop ended: an idle lane so marked is not reused.</summary>
    public bool LoopEnded { get => Volatile.Read(ref _loopEnded); set => Volatile.Write(ref _loopEnded, value); }

    /// <summary>The peer ended its direction (FIN read).</summary>
    public bool InputEnded { get; set; }

    /// <summary>The stream.</summary>
    public TransportSubstream Stream { get; }

    /// <summary>The stream as the shape <see cref="FrameOutput"/> writes to.</summary>
    public TransportConnection Transport { get; }

    /// <summary>True when this side started the call (sent the request).</summary>
    public bool Outgoing { get; }

    /// <summary>The call (an incoming lane learns it from its first frame).</summary>
    public uint CallId { get; set; }

    /// <summary>Where this side writes the call's frames (redirected to the link's output after a resume).</summary>
    public FrameOutput Output { get; }

    /// <summary>The numbering of the call's frames received on its stream (counted under <see cref="Gate"/> by the stream's loop).</summary>
    public InboundSequence Inbound { get; } = new();

    /// <summary>Whether this side ended its direction.</summary>
    public bool OutputEnded => Volatile.Read(ref _outputEnded) != 0;

    /// <summary>Ends this side's direction once (FIN after what was written). A call moved to the link's stream has no direction of its own.</summary>
    public void EndOutput()
    {
        if (Interlocked.Exchange(ref _outputEnded, 1) != 0 || Output.IsRedirected)
        {
            return;
        }

        Output.Finish();
    }

    /// <summary>The call's stream, as a link-shaped object for <see cref="FrameOutput"/> (only its output pipe is used).</summary>
    private sealed class SubstreamConnection(TransportSubstream stream, TransportConnection link) : TransportConnection
    {
        public override PipeReader Input => stream.Input;

        public override PipeWriter Output => stream.Output;

        public override string TransportName => link.TransportName;

        public override EndPoint? LocalEndPoint => link.LocalEndPoint;

        public override EndPoint? RemoteEndPoint => link.RemoteEndPoint;

        public override long BytesSent => long.MaxValue; // no send-queue accounting per call: the pipe's own bound applies

        public override long BytesReceived => 0;

        public override CancellationToken ConnectionClosed => link.ConnectionClosed;

        public override void Abort(Exception? reason = null) => stream.Abort();

        public override ValueTask DisposeAsync() => default;
    }
}
