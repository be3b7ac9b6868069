using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// One transport connection of a session, with what belongs to it alone: its stop, its hello state, its keep-alive and
/// frame timer, and (server) a transport handed over to another session after a resume hello. A resumable session has
/// a new one per link; the session's own state stays in <see cref="TetherConnection"/>.
/// </summary>
internal sealed class Link(TransportConnection transport, long handshakeDeadline, KeepAlive keepAlive)
{
    private int _stopRequested;
    private long _partialFrameSince = -1;
    private TaskCompletionSource? _ready;
    private TaskCompletionSource? _ended;

    public TransportConnection Transport { get; } = transport;

    /// <summary>Cancelled when the link is asked to stop; waits that must end with the link use it.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>When the hello must have been exchanged (a <see cref="TimeProvider"/> timestamp).</summary>
    public long HandshakeDeadline { get; } = handshakeDeadline;

    /// <summary>The hello exchange on this link is done; frames are calls.</summary>
    public bool Negotiated { get; set; }

    /// <summary>Server, resumed link: the rotated token the client has not yet shown it received; null once it did.</summary>
    public byte[]? UnconfirmedToken { get; set; }

    /// <summary>When to ping and when the peer is dead; told of every frame this link's loops receive.</summary>
    public KeepAlive KeepAlive { get; } = keepAlive;

    /// <summary>Why the link ended, when it was a link failure rather than the session ending.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Server: a resume hello arrived; the loop stops after it so the transport can move to the resumed session.</summary>
    public bool HandoverPending { get; set; }

    /// <summary>Server: the session this link's transport moves to once the loop has stopped.</summary>
    public Action<TransportConnection>? Handover { get; set; }

    /// <summary>Completes when the hello exchange on this link succeeded; faults when the link ends first or the peer refuses.</summary>
    /// <remarks>Made when first used (by a waiter or by the outcome), so an established idle link holds no pending task.</remarks>
    public TaskCompletionSource Ready => _ready ?? LazyInitializer.EnsureInitialized(ref _ready, NewSignal);

    /// <summary>Completes when the link has ended and the session decided what follows.</summary>
    public TaskCompletionSource Ended => _ended ?? LazyInitializer.EnsureInitialized(ref _ended, NewSignal);

    /// <summary>The hello exchange succeeded: <see cref="Ready"/> completes (without making it when no one has asked yet).</summary>
    public void SignalReady()
    {
        TaskCompletionSource ready = Interlocked.CompareExchange(ref _ready, s_completed, null) ?? s_completed;
        ready.TrySetResult();
    }

    // Shared by every link that was ready before anyone asked: completed once, so later outcomes leave it as it is.
    private static readonly TaskCompletionSource s_completed = CompletedSignal();

    private static TaskCompletionSource CompletedSignal()
    {
        var signal = new TaskCompletionSource();
        signal.SetResult();
        return signal;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool StopRequested => Volatile.Read(ref _stopRequested) != 0;

    /// <summary>Since when a frame has been arriving incompletely (a timestamp), or -1: the frame timeout runs from there.</summary>
    public long PartialFrameSince => Volatile.Read(ref _partialFrameSince);

    /// <summary>Told by the receive loop: a frame has started and not finished (<paramref name="pending"/>), or none is pending.</summary>
    public void OnPartialFrame(bool pending, TimeProvider time)
    {
        if (!pending)
        {
            Volatile.Write(ref _partialFrameSince, -1);
        }
        else if (Volatile.Read(ref _partialFrameSince) < 0)
        {
            Volatile.Write(ref _partialFrameSince, time.GetTimestamp());
        }
    }

    /// <summary>Stops the link's loops (once); safe from any thread.</summary>
    public void RequestStop()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            Stop.Cancel();
            Transport.Input.CancelPendingRead();
        }
    }
}
