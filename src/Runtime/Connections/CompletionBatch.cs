using System.IO.Pipelines;

namespace Tether.Connections;

/// <summary>
/// The answers a link's receive loop delivers while it handles one batch of frames (decision 0029): kept in arrival
/// order and published together at the batch's end, in one pass of the connection's completion scheduler. The callers
/// that pass resumes write their next requests before the deferred flush those writes schedule runs, so they leave in
/// one send; published one by one, the pass could catch up with the loop mid-batch and flush a part.
/// </summary>
/// <remarks>
/// Only answers delivered on the loop's own thread during the batch wait (a timeout or cancel on another thread
/// publishes at once). Nothing running inside the batch can be waiting for them: a handler that blocked the loop could
/// not have its answer read anyway.
/// </remarks>
internal sealed class CompletionBatch
{
    private static readonly Action<object?> s_publishAll = static state => PublishAll((PendingCall)state!);

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

    /// <summary>The batch is handled: its answers are published, in order, in one pass of <paramref name="scheduler"/>.</summary>
    public void End(PipeScheduler scheduler)
    {
        Volatile.Write(ref _thread, 0);
        if (_head is { } head)
        {
            _head = _tail = null;
            scheduler.Schedule(s_publishAll, head);
        }
    }

    private static void PublishAll(PendingCall? call)
    {
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
