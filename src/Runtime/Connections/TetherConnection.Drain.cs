using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Stops taking new calls (each is refused with <see cref="TetherErrorCode.GoingAway"/>), tells the peer with a
    /// goaway frame, and completes once the calls already running have finished.
    /// </summary>
    public Task DrainAsync()
    {
        lock (_callsLock)
        {
            Volatile.Write(ref _draining, true);

            // Completions decrement without the lock, then check for a drain: publish the drain, then read the count.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _inFlight) == 0)
            {
                _drained.TrySetResult();
            }
        }

        Machine.TryMoveFrom(SessionState.Active, SessionState.Draining, "the server is shutting down");

        TryWriteError(FrameType.GoAway, TetherErrorCode.GoingAway, "The server is shutting down and takes no new calls.");
        return _drained.Task;
    }
}
