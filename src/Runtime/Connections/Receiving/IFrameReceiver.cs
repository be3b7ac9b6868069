using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// The side whose frames a <see cref="FrameReceiveLoop"/> reads: the link's stream (<see cref="TetherConnection"/>)
/// or one call's own stream (<see cref="CallLanes"/>). Implemented by small structs, so the loop is specialised for
/// each and its calls are direct.
/// </summary>
internal interface IFrameReceiver
{
    /// <summary>Where replies written while a batch is handled go; they leave in one flush at its end.</summary>
    FrameOutput Output { get; }

    /// <summary>Stop reading (the session or link is ending).</summary>
    bool StopRequested { get; }

    /// <summary>Cancelled when the loop must stop waiting for the output.</summary>
    CancellationToken StopToken { get; }

    /// <summary>Whether the frames carry sequence numbers (a resumable session).</summary>
    bool Sequenced { get; }

    /// <summary>The largest payload accepted.</summary>
    int MaxFrameSize { get; }

    /// <summary>Stop after this frame and leave what follows unexamined: another session takes the input over (server, resume hello).</summary>
    bool HoldsInput { get; }

    /// <summary>Whether to stop reading while <see cref="Output"/> is blocked: reading on would only queue more replies.</summary>
    bool WaitsForOutput { get; }

    /// <summary>Handles one frame; false stops the loop (the protocol was broken). A pending <paramref name="wait"/> pauses reading until it completes.</summary>
    bool OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload, out ValueTask wait);

    /// <summary>The header is invalid or too large: the session ends with a protocol error.</summary>
    void OnInvalidHeader(FrameParseStatus status, in FrameHeader header);

    /// <summary>A frame's compressed payload cannot be inflated (damaged, or a decompression bomb): the session ends with <paramref name="code"/>.</summary>
    void OnInvalidPayload(TetherErrorCode code, string detail);

    /// <summary>A frame has started and not finished (<paramref name="pending"/>), or none is pending now.</summary>
    void OnPartialFrame(bool pending);

    /// <summary>Every frame received so far is handled: acknowledge if the peer asked, note that the peer was heard.</summary>
    void OnBatchHandled();

    /// <summary>A batch of frames is about to be handled on the calling thread.</summary>
    void OnBatchStarting();

    /// <summary>The batch's frames are handled (also after a failure), its output not yet flushed: publish what it completed.</summary>
    void OnBatchEnded();

    /// <summary>The batch's output was flushed: bookkeeping kept off the answers' way (call durations) is done now.</summary>
    void OnBatchFlushed();

    /// <summary>The loop ended (<paramref name="end"/> says how); its task completes right after with the same value.</summary>
    void OnLoopEnded(ReceiveEnd end);

    /// <summary>
    /// The loop failed with <paramref name="error"/> (after its batch ended and flushed): true when the receiver takes it
    /// over (the task then completes with <see cref="ReceiveEnd.Stopped"/>), false to fault the task with it.
    /// </summary>
    bool OnLoopFailed(Exception error);
}
