using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// The runtime's <see cref="CallContext"/>: one incoming request or message. Pooled per connection, with a
/// cancellation source reused through <see cref="CancellationTokenSource.TryReset"/>, so a call allocates nothing.
/// Replies are framed straight into the connection's output.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without a timer holds nothing to release; calls are pooled for the connection's life.")]
internal sealed class IncomingCall : CallContext
{
    private readonly Action _onCompleted;
    private CancellationTokenSource _cancellation = new();
    private TetherConnection? _connection;
    private ValueTask _completion;
    private FrameReservation _openFrame; // the reply or stream item between TryBegin and its commit

    public IncomingCall() => _onCompleted = OnCompleted;

    public uint CallId { get; private set; }

    public int MethodId { get; private set; }

    /// <summary>A request (answer expected), not a one-way message.</summary>
    public bool ExpectsReply { get; private set; }

    /// <summary>The caller asked for a stream.</summary>
    public bool IsStream { get; private set; }

    /// <summary>A final frame (reply, empty reply, end of stream or error) was written.</summary>
    public bool IsAnswered { get; private set; }

    /// <summary>The caller sent a cancel frame.</summary>
    public bool CanceledByPeer { get; private set; }

    public override CancellationToken CancellationToken => _cancellation.Token;

    public override DecodeOptions DecodeOptions => _connection!.DecodeOptions;

    public override TetherPeer Peer => _connection?.Peer ?? throw new InvalidOperationException("The call has finished; its context no longer has a peer.");

    /// <summary>The call's own stream, or null when it came on the link's.</summary>
    public CallLane? Lane { get; private set; }

    private FrameOutput Output => Lane?.Output ?? _connection!.Output;

    public void Start(TetherConnection connection, uint callId, int methodId, bool expectsReply, bool stream, CallLane? lane = null)
    {
        _connection = connection;
        Lane = lane;
        CallId = callId;
        MethodId = methodId;
        ExpectsReply = expectsReply;
        IsStream = stream;
        IsAnswered = false;
        CanceledByPeer = false;
    }

    /// <summary>
    /// Waits for an asynchronous handler without an async state machine: the continuation is this object's one
    /// cached delegate, so a pooled handler completion costs no allocation.
    /// </summary>
    public void OnCompletion(ValueTask completion)
    {
        _completion = completion;
        completion.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onCompleted);
    }

    private void OnCompleted()
    {
        Exception? error = IncomingCalls.Observe(_completion);
        _completion = default;
        _connection!.Incoming.OnCallCompleted(this, error);
    }

    public void Cancel(bool byPeer)
    {
        CanceledByPeer |= byPeer;
        if (!_cancellation.IsCancellationRequested)
        {
            // Callbacks run on the thread pool: the caller holds the connection's call lock.
            _ = _cancellation.CancelAsync();
        }
    }

    /// <summary>Clears the call for reuse; a cancelled source is replaced because it cannot be reset.</summary>
    public void Reset()
    {
        if (!_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }

        _connection = null;
        Lane = null;
        CallId = 0;
    }

    protected override bool TryBeginReply(int messageId, int bodyLength, out Span<byte> body)
    {
        if (!ExpectsReply || IsStream || IsAnswered)
        {
            body = default;
            return false;
        }

        _openFrame = Output.Begin(FrameType.Response, FrameFlags.None, CallId, messageId, bodyLength, out body);
        return true;
    }

    protected override void EndReply()
    {
        IsAnswered = true;
        TakeOpenFrame().Commit();
    }

    protected override void AbortReply() => TakeOpenFrame().Dispose();

    private FrameReservation TakeOpenFrame()
    {
        FrameReservation frame = _openFrame;
        _openFrame = default;
        return frame;
    }

    public override void CompleteEmpty()
    {
        if (ExpectsReply && !IsStream && !IsAnswered)
        {
            IsAnswered = true;
            Output.WriteControl(FrameType.Response, CallId, 0, flags: FrameFlags.Empty);
        }
    }

    protected override bool TryBeginStreamItem(int messageId, int bodyLength, out Span<byte> body)
    {
        if (!ExpectsReply || !IsStream || IsAnswered)
        {
            body = default;
            return false;
        }

        _openFrame = Output.Begin(FrameType.StreamItem, FrameFlags.None, CallId, messageId, bodyLength, out body);
        return true;
    }

    protected override void AbortStreamItem() => TakeOpenFrame().Dispose();

    protected override ValueTask EndStreamItemAsync()
    {
        TakeOpenFrame().Commit();
        return Output.IsBlocked || Output.IsReplayFull ? Output.WaitForSpaceAsync(includeReplay: true, CancellationToken) : default;
    }

    public override void CompleteStream()
    {
        if (ExpectsReply && IsStream && !IsAnswered)
        {
            IsAnswered = true;
            Output.WriteControl(FrameType.End, CallId, 0);
        }
    }

    /// <summary>Answers the call with an error frame (if it still needs an answer).</summary>
    public void Fail(TetherErrorCode code, string message)
    {
        if (ExpectsReply && !IsAnswered)
        {
            IsAnswered = true;
            Output.WriteError(FrameType.Error, CallId, code, message);
        }
    }
}
