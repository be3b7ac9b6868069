using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// A call this side started and is waiting on. The receive loop completes it from a reply frame; the timeout
/// sweep, a cancellation or the connection closing fail it. Whoever removes it from the
/// <see cref="PendingCallTable"/> first completes it, so it completes exactly once.
/// </summary>
internal abstract class PendingCall
{
    private static readonly TimerCallback s_onDeadline = static state => ((PendingCall)state!).OnDeadline();

    // Created once per call object (pooled calls reuse it): only calls whose deadline falls before the owner's next
    // timeout sweep get it armed, so the steady state allocates nothing and most calls never touch a timer.
    private ITimer? _deadlineTimer;
    private uint _armedFor;

    /// <summary>Id in the call table (slot and generation); 0 while not registered.</summary>
    public uint CallId { get; set; }

    /// <summary>Timestamp (of the connection's <see cref="TimeProvider"/>) after which the call times out; <see cref="long.MaxValue"/> for none.</summary>
    public long Deadline { get; set; } = long.MaxValue;

    /// <summary>Calls kept for reuse per call type, enough for thousands of concurrent calls.</summary>
    protected const int MaxPooled = 4096;

    /// <summary>The caller's token, when it can be cancelled.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The next call whose answer is published with this one at the end of a receive batch (<see cref="CompletionBatch"/>).</summary>
    public PendingCall? NextPublished { get; set; }

    /// <summary>Hands the answer set by the last completion to the awaiting caller (a pooled call's continuation runs here).</summary>
    public virtual void Publish()
    {
    }

    /// <summary>The connection that owns the call while it is registered.</summary>
    public TetherConnection? Connection { get; set; }

    /// <summary>For a call with an input stream: its writer, told of grants and of the call's end (decision 0026), else null.</summary>
    public IInputSender? Input { get; set; }

    /// <summary>The call is over: its input stream, if it has one, takes no more writes.</summary>
    protected void EndInput(Exception? error) =>
        Input?.End(error ?? new TetherException(TetherErrorCode.InputStreamClosed, "The call ended before its input stream did: the handler answered without reading it all."));

    /// <summary>Where the answer's trailing metadata goes (<see cref="CallOptions.ResponseTrailers"/>), or null.</summary>
    public CallMetadata? TrailersSink { get; set; }

    /// <summary>The call's timing and span while observed (default otherwise); a pooled call completes it when it completes.</summary>
    public Observability.ClientCallScope Scope { get; set; }

    /// <summary>The call's client span while it is traced (resume events are added to it), or null.</summary>
    public System.Diagnostics.Activity? Trace => Scope.SpanForEvents;

    /// <summary>The call's deadline also travels to the peer: a timeout is reported as the deadline passing.</summary>
    public bool DeadlineSent { get; set; }

    /// <summary>Whether a timer fires at the deadline (armed once per call).</summary>
    public bool DeadlineArmed => _armedFor != 0 && _armedFor == CallId;

    /// <summary>Times the call out exactly at its deadline, <paramref name="dueIn"/> from now (the sweep would be late).</summary>
    public void ArmDeadline(TimeProvider time, TimeSpan dueIn)
    {
        _armedFor = CallId;
        if (dueIn < TimeSpan.Zero)
        {
            dueIn = TimeSpan.Zero;
        }

        if (_deadlineTimer is null)
        {
            _deadlineTimer = time.CreateTimer(s_onDeadline, this, dueIn, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _deadlineTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The call is over: a timer armed for it must not touch the object's next call.</summary>
    protected void DisarmDeadline()
    {
        if (_armedFor != 0)
        {
            _armedFor = 0;
            _deadlineTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDeadline()
    {
        // A stale firing (the call finished and the object was reused) finds another id: the table removes by id and
        // object. The id checked here is the one removed: the object can finish and take its next call in between (a CI
        // run saw that next call fail as timed out when the id was read again).
        uint armed = _armedFor;
        if (armed != 0 && armed == CallId)
        {
            Connection?.CancelPendingCall(this, armed, timedOut: true);
        }
    }

    /// <summary>A <see cref="FrameType.Response"/> arrived. Decodes and completes; a decode failure fails the call.</summary>
    public abstract void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options);

    /// <summary>
    /// A <see cref="FrameType.StreamItem"/> arrived. Returns a task only when the item must wait for the consumer. An
    /// item the call cannot take throws a <see cref="TetherException"/>: the call is still in the table, and whoever
    /// removes it completes it (failing it here would leave it there, to be completed again by a close or a timeout).
    /// </summary>
    public virtual ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) =>
        throw new TetherException(TetherErrorCode.UnexpectedReply, "A stream item arrived for a unary call.");

    /// <summary>Fails the call.</summary>
    public abstract void Fail(Exception error);

    /// <summary>The peer answered the call with an <see cref="FrameType.Error"/> frame.</summary>
    public virtual void OnRemoteError(Exception error) => Fail(error);

    /// <summary>The stream ended normally (<see cref="FrameType.End"/>).</summary>
    public virtual void OnEnd() => Fail(new TetherException(TetherErrorCode.UnexpectedReply, "A stream end arrived for a unary call."));

    /// <summary>Called by the cancellation token registered for the call.</summary>
    protected static void OnCanceled(object? state)
    {
        var call = (PendingCall)state!;
        call.Connection?.CancelPendingCall(call, timedOut: false);
    }
}
