namespace Tether.Connections;

/// <summary>
/// The sending side of per-stream flow control (decision 0026): how many more items the receiver of one stream can
/// take. The receiver grants more (<see cref="Framing.FrameType.Credit"/> or <see cref="Framing.FrameType.InputCredit"/>) as its reader consumes
/// them, so a stream whose reader stops holds up that stream only, never the connection it shares.
/// </summary>
/// <remarks>
/// A sender writes an item while credit is positive, then <see cref="Consume"/>s one; when that used the last, it waits
/// (<see cref="WaitAsync"/>) before the next. Consuming and granting are lock-free; only a sender that has to wait takes
/// the lock, to publish the one waiter that every grant wakes.
/// </remarks>
internal sealed class StreamCredit
{
    private readonly Lock _lock = new();
    private long _available;
    private TaskCompletionSource? _waiter;
    private Exception? _closed;

    /// <summary>Starts a stream with the protocol's initial window.</summary>
    public void Reset(int initial)
    {
        lock (_lock)
        {
            Volatile.Write(ref _available, initial);
            _waiter = null;
            _closed = null;
        }
    }

    /// <summary>Items the receiver can still take.</summary>
    public long Available => Volatile.Read(ref _available);

    /// <summary>One item was written: false when that used the last credit (wait before the next).</summary>
    public bool Consume() => Interlocked.Decrement(ref _available) > 0;

    /// <summary>Takes one credit for an item about to be written (several writers may race): false when there is none.</summary>
    public bool TryTake()
    {
        long available = Volatile.Read(ref _available);
        while (available > 0)
        {
            long seen = Interlocked.CompareExchange(ref _available, available - 1, available);
            if (seen == available)
            {
                return true;
            }

            available = seen;
        }

        return false;
    }

    /// <summary>The receiver can take <paramref name="items"/> more.</summary>
    public void Grant(int items)
    {
        Interlocked.Add(ref _available, items);
        Wake(null);
    }

    /// <summary>The stream is over (answered, cancelled, connection lost): a waiting sender gets <paramref name="reason"/>.</summary>
    public void Close(Exception reason) => Wake(reason);

    /// <summary>Completes once there is credit for one more item, or throws when the stream closed or the token fired.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _available) > 0 && Volatile.Read(ref _closed) is null ? default : WaitSlowAsync(cancellationToken);

    private async ValueTask WaitSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_lock)
            {
                if (_closed is { } closed)
                {
                    throw closed;
                }

                if (Volatile.Read(ref _available) > 0)
                {
                    return;
                }

                waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Wake(Exception? closed)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (closed is not null)
            {
                _closed ??= closed;
            }

            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }
}
