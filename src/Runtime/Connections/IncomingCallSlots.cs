namespace Tether.Connections;

/// <summary>
/// The calls a session is running for its peer (SPEC R3.5, in-flight calls per session): how many, who waits for a free
/// slot, and when a drain is done. One rule: <see cref="Exit"/> wakes a waiter once the count is below the limit and
/// completes a drain once it is zero. <see cref="Enter"/> and <see cref="Exit"/> take no lock; a waiter or a drain is
/// published under this type's lock and the count read again after a full fence, so either side always sees the other.
/// </summary>
internal sealed class IncomingCallSlots(int limit)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _waiter;
    private int _count;
    private bool _draining;

    /// <summary>Calls running now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Every slot is taken: requests are refused, one-way messages wait (<see cref="WaitForRoomAsync"/>).</summary>
    public bool IsFull => Volatile.Read(ref _count) >= limit;

    /// <summary>A drain began: new calls are refused.</summary>
    public bool IsDraining => Volatile.Read(ref _draining);

    /// <summary>A call started.</summary>
    public void Enter() => Interlocked.Increment(ref _count);

    /// <summary>A call finished: wakes a waiter once there is room, completes a drain once none is left.</summary>
    public void Exit()
    {
        int count = Interlocked.Decrement(ref _count);

        // Only a message waiting for room, or a drain, needs to hear about it (see the fence in WaitForRoomAsync).
        if (Volatile.Read(ref _waiter) is null && !Volatile.Read(ref _draining))
        {
            return;
        }

        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (_waiter is not null && count < limit)
            {
                waiter = _waiter;
                _waiter = null;
            }

            if (_draining && Volatile.Read(ref _count) == 0)
            {
                _drained.TrySetResult();
            }
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes once a slot is free, or at once when <paramref name="stop"/> is cancelled (the session is closing).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled while waiting.</exception>
    public async ValueTask WaitForRoomAsync(CancellationToken stop)
    {
        while (IsFull && !stop.IsCancellationRequested)
        {
            Task wait;
            lock (_lock)
            {
                if (_count < limit)
                {
                    break;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            // Exit decrements without the lock and only then looks for a waiter: publish the waiter, then read the count
            // again, so one of the two sides always sees the other.
            Interlocked.MemoryBarrier();
            if (!IsFull)
            {
                break;
            }

            await wait.WaitAsync(stop).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a drain; completes once no call is running.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            Volatile.Write(ref _draining, true);

            // Exit decrements without the lock, then checks for a drain: publish the drain, then read the count.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _count) == 0)
            {
                _drained.TrySetResult();
            }
        }

        return _drained.Task;
    }

    /// <summary>Releases a waiter (the session is closing; it sees its cancelled token).</summary>
    public void WakeWaiters()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }
}
