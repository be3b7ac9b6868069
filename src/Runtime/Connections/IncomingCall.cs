using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// The runtime's <see cref="CallContext"/>: one incoming request or message. Pooled per connection, with a
/// cancellation source reused through <see cref="CancellationTokenSource.TryReset"/>, so a call allocates nothing.
/// Replies are framed straight into the connection's output.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without a timer holds nothing to release, and the deadline timer is stopped at every reset; calls are pooled for the connection's life.")]
internal sealed class IncomingCall : CallContext
{
    private static readonly TimerCallback s_onDeadline = static state => ((IncomingCall)state!).OnDeadline();

    private readonly Action _onCompleted;
    private readonly Lock _deadlineGate = new(); // a deadline firing against the call being reset for another
    private CancellationTokenSource _cancellation = new();
    private TetherConnection? _connection;
    private ValueTask _completion;
    private FrameReservation _openFrame; // the reply or stream item between TryBegin and its commit
    private IncomingCallHeaders? _headers;
    private CallMetadata? _trailers;
    private HandlerRoute _route;
    private DateTimeOffset? _deadline;
    private ITimer? _deadlineTimer; // created once per pooled call, on its first call with a deadline
    private bool _deadlineArmed;
    private int _deadlinePassed;
    private HeldAnswer _held; // with call filters: the final frame, written once the outermost filter returns
    // Made on a call object's first stream, kept for its next ones (decision 0026).
    private StreamCredit? _streamCredit; // a stream's items the caller can still take
    private CallInput? _input; // a client-streaming or bidirectional call's input stream

    public IncomingCall() => _onCompleted = OnCompleted;

    public uint CallId { get; private set; }

    public int MethodId { get; private set; }

    /// <summary>A request (answer expected), not a one-way message.</summary>
    public bool ExpectsReply { get; private set; }

    /// <summary>The caller asked for a stream.</summary>
    public bool IsStream { get; private set; }

    /// <summary>The call's input is a stream (client-streaming and bidirectional methods).</summary>
    public bool HasInput { get; private set; }

    /// <summary>A final frame (reply, empty reply, end of stream or error) was written.</summary>
    public bool IsAnswered { get; private set; }

    /// <summary>The caller sent a cancel frame.</summary>
    public bool CanceledByPeer { get; private set; }

    public override CancellationToken CancellationToken => _cancellation.Token;

    public override DecodeOptions DecodeOptions => _connection!.DecodeOptions;

    public override TetherPeer Peer => _connection?.Peer ?? throw new InvalidOperationException("The call has finished; its context no longer has a peer.");

    public override CallMetadata RequestMetadata
    {
        get => _replacedMetadata ?? _headers?.Metadata ?? CallMetadata.Empty;
        set => _replacedMetadata = value ?? throw new ArgumentNullException(nameof(value));
    }

    private CallMetadata? _replacedMetadata; // set by a call filter

    public override CallMetadata ResponseTrailers => _trailers ??= new CallMetadata();

    public override DateTimeOffset? Deadline => _deadline;

    public override MethodDescriptor? Method => _route.Method;

    public override string? IdempotencyKey => _headers?.IdempotencyKey is { } key ? System.Text.Encoding.UTF8.GetString(key) : null;

    public override DeliveryId? Delivery => DurableSequence != 0 && _connection?.Contract is { } contract ? new DeliveryId(contract.SessionId, DurableSequence) : null;

    public override System.Security.Claims.ClaimsPrincipal User => _connection?.User ?? base.User;

    /// <summary>The rate-limit permits the call holds until it ends.</summary>
    public Security.CallLeases Leases { get; set; }

    /// <summary>When the call arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), or 0 when calls are not timed.</summary>
    public long StartedAt { get; set; }

    /// <summary>The call's server span while the server source is sampled, or null.</summary>
    public System.Diagnostics.Activity? Trace { get; set; }

    /// <summary>The caller's deadline passed while the handler ran (its token fired for that reason).</summary>
    public bool DeadlinePassed => Volatile.Read(ref _deadlinePassed) != 0;

    /// <summary>The filter pipeline this call runs through when filters are registered (created on first use, reused with the call).</summary>
    public FilteredDispatch Filtered => _filtered ??= new FilteredDispatch(this);

    private FilteredDispatch? _filtered;

    /// <summary>The call's headers as received (trace context, reserved fields), or null.</summary>
    public IncomingCallHeaders? Headers => _headers;

    /// <summary>The call's own stream, or null when it came on the link's.</summary>
    public CallLane? Lane { get; private set; }

    private FrameOutput Output => Lane?.Output ?? _connection!.Output;

    public void Start(TetherConnection connection, uint callId, in HandlerRoute route, bool expectsReply, bool stream, IncomingCallHeaders? headers, CallLane? lane = null, bool input = false)
    {
        HasInput = input;
        if (input)
        {
            _input ??= new CallInput();
        }

        if (stream)
        {
            (_streamCredit ??= new StreamCredit()).Reset(ProtocolConstants.InitialStreamWindow);
        }

        _connection = connection;
        Lane = lane;
        CallId = callId;
        _route = route;
        MethodId = route.MethodId;
        ExpectsReply = expectsReply;
        IsStream = stream;
        IsAnswered = false;
        CanceledByPeer = false;
        _headers = headers;
        if (headers is { DeadlineMicros: > 0 })
        {
            ArmDeadline(connection.Time, TimeSpan.FromMicroseconds(headers.DeadlineMicros));
        }
    }

    /// <summary>The handler's token fires when the caller's budget, counted from the call's arrival, is spent.</summary>
    private void ArmDeadline(TimeProvider time, TimeSpan budget)
    {
        _deadline = time.GetUtcNow() + budget;
        lock (_deadlineGate)
        {
            _deadlineArmed = true;
            if (_deadlineTimer is null)
            {
                _deadlineTimer = time.CreateTimer(s_onDeadline, this, budget, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _deadlineTimer.Change(budget, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnDeadline()
    {
        lock (_deadlineGate)
        {
            if (!_deadlineArmed)
            {
                return; // the call finished and was reset before this firing got here
            }

            _deadlineArmed = false;
            Volatile.Write(ref _deadlinePassed, 1);
            Cancel(byPeer: false);
        }
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

    /// <summary>On a durable session, the number of the frame that started this call (0 otherwise).</summary>
    public ulong DurableSequence { get; set; }

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
        if (_deadline is not null)
        {
            lock (_deadlineGate)
            {
                _deadlineArmed = false;
                _deadlineTimer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _deadline = null;
            _deadlinePassed = 0;
        }

        _filtered?.Release();
        Leases.Dispose();
        Leases = default;
        _held.ReleaseBody();
        _held = default;
        StartedAt = 0;
        Trace = null;
        _headers = null;
        _replacedMetadata = null;
        _trailers = null;
        _route = default;
        if (!_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }

        if (HasInput)
        {
            _input!.Close(null);
            HasInput = false;
        }

        _connection = null;
        Lane = null;
        CallId = 0;
        DurableSequence = 0;
    }

    /// <summary>The caller can take <paramref name="items"/> more of this call's stream items.</summary>
    public void OnCredit(int items) => _streamCredit?.Grant(items);

    /// <summary>The call's input stream, read once by the generated dispatch for client-streaming and bidirectional methods.</summary>
    public override IAsyncEnumerable<T> ReadInputStream<T>()
    {
        if (!HasInput)
        {
            throw new InvalidOperationException("This call has no input stream.");
        }

        return _input!.Open<T>(Output, CallId, _connection!.StreamBufferItems, _connection, DecodeOptions).ReadAllAsync(CancellationToken);
    }

    /// <summary>This call's input stream, or null when it has none.</summary>
    public CallInput? Input => HasInput ? _input : null;

    protected override bool TryBeginReply(int messageId, int bodyLength, out Span<byte> body)
    {
        if (!ExpectsReply || IsStream || IsAnswered || _held.Kind != HeldAnswerKind.None)
        {
            body = default;
            return false;
        }

        if (_held.IsHolding)
        {
            body = _held.HoldReply(messageId, bodyLength);
            return true;
        }

        _openFrame = BeginAnswer(FrameType.Response, messageId, bodyLength, out body);
        return true;
    }

    /// <summary>
    /// Opens an answer frame; with trailing metadata the payload starts with its block and <paramref name="body"/> is what
    /// follows. <paramref name="body"/> runs on past <paramref name="bodyLength"/> into the send buffer's free space (scratch).
    /// </summary>
    private FrameReservation BeginAnswer(FrameType type, int messageId, int bodyLength, out Span<byte> body)
    {
        if (_trailers is not { Count: > 0 } trailers)
        {
            return Output.BeginWithRoom(type, FrameFlags.None, CallId, messageId, bodyLength, out body);
        }

        var headers = new OutgoingCallHeaders { Metadata = trailers, Priority = -1 };
        int blockSize = CallHeaderCodec.GetBlockSize(headers);
        int headerLength = CallHeaderCodec.GetPrefixedSize(blockSize);
        FrameReservation frame = Output.BeginWithRoom(type, FrameFlags.Headers, CallId, messageId, headerLength + bodyLength, out Span<byte> payload);
        CallHeaderCodec.Write(payload, headers, blockSize);
        body = payload[headerLength..];
        return frame;
    }

    protected override void EndReply()
    {
        if (_held.IsHolding)
        {
            _held.Kind = HeldAnswerKind.Reply;
            return;
        }

        IsAnswered = true;
        TakeOpenFrame().Commit();
    }

    protected override void AbortReply()
    {
        if (_held.IsHolding)
        {
            _held.ReleaseBody();
            return;
        }

        TakeOpenFrame().Dispose();
    }

    /// <summary>Filters run around this call: its final frame waits for them (<see cref="WriteHeldAnswer"/>), so they can add trailers.</summary>
    public void HoldAnswer() => _held.IsHolding = true;

    /// <summary>The filters returned without an error: writes the answer the handler gave, if it gave one.</summary>
    public void WriteHeldAnswer()
    {
        HeldAnswerKind kind = _held.Kind;
        _held.IsHolding = false;
        _held.Kind = HeldAnswerKind.None;
        switch (kind)
        {
            case HeldAnswerKind.Reply:
                try
                {
                    FrameReservation frame = BeginAnswer(FrameType.Response, _held.MessageId, _held.Length, out Span<byte> body);
                    _held.Body.CopyTo(body);
                    IsAnswered = true;
                    frame.Commit();
                }
                finally
                {
                    _held.ReleaseBody();
                }

                break;
            case HeldAnswerKind.Empty:
                CompleteEmpty();
                break;
            case HeldAnswerKind.End:
                CompleteStream();
                break;
        }
    }

    private FrameReservation TakeOpenFrame()
    {
        FrameReservation frame = _openFrame;
        _openFrame = default;
        return frame;
    }

    public override void CompleteEmpty()
    {
        if (_held.IsHolding)
        {
            _held.Kind = _held.Kind == HeldAnswerKind.None ? HeldAnswerKind.Empty : _held.Kind;
            return;
        }

        if (ExpectsReply && !IsStream && !IsAnswered)
        {
            IsAnswered = true;
            if (_trailers is { Count: > 0 } trailers)
            {
                Output.WriteWithTrailers(FrameType.Response, FrameFlags.Empty, CallId, 0, trailers, default);
            }
            else
            {
                Output.WriteControl(FrameType.Response, CallId, 0, flags: FrameFlags.Empty);
            }
        }
    }

    protected override bool TryBeginStreamItem(int messageId, int bodyLength, out Span<byte> body)
    {
        if (!ExpectsReply || !IsStream || IsAnswered)
        {
            body = default;
            return false;
        }

        _openFrame = Output.BeginWithRoom(FrameType.StreamItem, FrameFlags.None, CallId, messageId, bodyLength, out body);
        return true;
    }

    protected override void AbortStreamItem() => TakeOpenFrame().Dispose();

    protected override ValueTask EndStreamItemAsync()
    {
        TakeOpenFrame().Commit();
        FrameOutput output = Output;
        bool credit = _streamCredit!.Consume();
        if (!credit)
        {
            return WaitForCreditAsync(output);
        }

        return output.IsBlocked || output.IsReplayFull || output.IsSchedulerBusy ? WaitInTurnAsync(output) : default;
    }

    /// <summary>The caller's window is used up: the next item waits for its grant (this stream only; other calls go on).</summary>
    private async ValueTask WaitForCreditAsync(FrameOutput output)
    {
        await _streamCredit!.WaitAsync(CancellationToken).ConfigureAwait(false);
        if (output.IsBlocked || output.IsReplayFull || output.IsSchedulerBusy)
        {
            await WaitInTurnAsync(output).ConfigureAwait(false);
        }
    }

    /// <summary>The stream's next item waits for room in its turn by the call's priority (<see cref="SendScheduler"/>), as one-way sends do.</summary>
    private async ValueTask WaitInTurnAsync(FrameOutput output)
    {
        await output.Scheduler.WaitTurnAsync(_headers?.Priority ?? -1, CancellationToken).ConfigureAwait(false);
        try
        {
            await output.WaitForSpaceAsync(includeReplay: true, CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            output.Scheduler.Pass();
        }
    }

    public override void CompleteStream()
    {
        if (_held.IsHolding)
        {
            _held.Kind = _held.Kind == HeldAnswerKind.None ? HeldAnswerKind.End : _held.Kind;
            return;
        }

        if (ExpectsReply && IsStream && !IsAnswered)
        {
            IsAnswered = true;
            if (_trailers is { Count: > 0 } trailers)
            {
                Output.WriteWithTrailers(FrameType.End, FrameFlags.None, CallId, 0, trailers, default);
            }
            else
            {
                Output.WriteControl(FrameType.End, CallId, 0);
            }
        }
    }

    /// <summary>The trailing metadata the handler (or a filter) set, or null.</summary>
    public CallMetadata? Trailers => _trailers;

    /// <summary>What the handler answered while the answer is held (<see cref="HoldAnswer"/>), with a reply's message id and body.</summary>
    public HeldAnswerKind HeldKind => _held.Kind;

    /// <inheritdoc cref="HeldAnswer.MessageId"/>
    public int HeldMessageId => _held.MessageId;

    /// <inheritdoc cref="HeldAnswer.Body"/>
    public ReadOnlySpan<byte> HeldBody => _held.Body;

    /// <summary>
    /// Answers the call as an earlier call with its idempotency key was answered: the same reply, empty reply or error,
    /// with the same trailing metadata. An error comes back as the returned task's exception, so it is reported (and
    /// measured) as a handler's would be.
    /// </summary>
    public ValueTask ReplayAnswer(Server.Idempotency.IdempotentResult result)
    {
        if (result.Trailers is { Count: > 0 } trailers)
        {
            ResponseTrailers.SetAll(trailers);
        }

        switch (result.Kind)
        {
            case Server.Idempotency.IdempotentAnswerKind.Reply:
                FrameReservation frame = BeginAnswer(FrameType.Response, result.MessageId, result.Body.Length, out Span<byte> body);
                result.Body.CopyTo(body);
                IsAnswered = true;
                frame.Commit();
                return default;
            case Server.Idempotency.IdempotentAnswerKind.Empty:
                CompleteEmpty();
                return default;
            case Server.Idempotency.IdempotentAnswerKind.Error:
                return ValueTask.FromException(new TetherException(result.Code, result.Message ?? TetherErrors.Get(result.Code).DefaultMessage));
            default:
                return ValueTask.FromException(new TetherException(TetherErrorCode.IdempotentResultNotKept,
                    "A call with this idempotency key already ran; its reply was larger than the server keeps, and the handler was not run again."));
        }
    }

    /// <summary>Answers the call with an error frame (if it still needs an answer).</summary>
    public void Fail(TetherErrorCode code, string message)
    {
        if (ExpectsReply && !IsAnswered)
        {
            IsAnswered = true;
            Output.WriteError(FrameType.Error, CallId, code, message, _trailers);
        }
    }
}
