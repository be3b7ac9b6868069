namespace Tether.Connections;

/// <summary>
/// The answers a link's receive loop delivers while it handles one batch of frames (decision 0029): kept in arrival
/// order and published at the batch's end, on the loop's thread, before the batch's flush. The callers they resume
/// write their next requests into that flush, so a read's answers become one send with no hop to another thread — the
/// shape of the raw-socket echo's client.
/// </summary>
/// <remarks>
/// Only answers delivered on the loop's own thread during the batch wait (a timeout or cancel on another thread
/// publishes through the completion scheduler at once). Code after a caller's <c>await</c> therefore runs on the
/// receive loop until its next incomplete await: blocking there stalls that connection's reading (as it stalled the
/// completion pass before), and the analyzers flag blocking calls.
/// </remarks>
internal sealed class CompletionBatch
{
    private int _thread; // the receive loop's managed thread id while it handles a batch; 0 otherwise
    private PendingCall? _head;
    private PendingCall? _tail;

    /// <summary>The receive loop starts handling a batch, on the calling thread.</summary>
    public void Begin() => Volatile.Write(ref _thread, Environment.CurrentManagedThreadId);

    /// <summary>Keeps <paramref name="call"/>'s publication for the batch's end; false when not called by the loop inside a batch.</summary>
    public bool TryDefer(PendingCall call)
    {
        if (Volatile.Read(ref _thread) != Environment.CurrentManagedThreadId)
        {
            return false;
        }

        if (_tail is null)
        {
            _head = call;
        }
        else
        {
            _tail.NextPublished = call;
        }

        _tail = call;
        return true;
    }

    /// <summary>The batch's frames are handled: its answers are published, in order, on the calling thread.</summary>
    public void End()
    {
        Volatile.Write(ref _thread, 0);
        PendingCall? call = _head;
        _head = _tail = null;
        while (call is not null)
        {
            // Taken before publishing: the caller's continuation may recycle the call and start the next one with it.
            PendingCall? next = call.NextPublished;
            call.NextPublished = null;
            call.Publish();
            call = next;
        }
    }
}
