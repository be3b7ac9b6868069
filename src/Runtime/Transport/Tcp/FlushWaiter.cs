using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Tether.Transport.Tcp;

/// <summary>
/// The flush of a <see cref="SocketOutputWriter"/> that waits for room (more than the send bound queued), and the token it
/// passed. Made by the first flush that has to wait: most connections never do. Whether one waits is guarded by the
/// writer's lock (<see cref="Begin"/>, <see cref="TryEndLocked"/>); the answer is given outside it.
/// </summary>
internal sealed class FlushWaiter(Lock gate) : IValueTaskSource<FlushResult>
{
    private ManualResetValueTaskSourceCore<FlushResult> _core; // continuations run where the answer is given
    private CancellationTokenRegistration _registration;

    /// <summary>Whether a flush waits (under the writer's lock).</summary>
    public bool IsWaiting { get; private set; }

    /// <summary>A flush starts waiting (under the writer's lock); it returns <c>new ValueTask&lt;FlushResult&gt;(this, version)</c>.</summary>
    public short Begin()
    {
        _core.Reset();
        IsWaiting = true;
        return _core.Version;
    }

    /// <summary>Cancelling <paramref name="token"/> ends the flush started as <paramref name="version"/> with <see cref="OperationCanceledException"/> (the bytes still leave).</summary>
    public void Watch(short version, CancellationToken token)
    {
        CancellationTokenRegistration registration = token.UnsafeRegister(static (state, token) => ((FlushWaiter)state!).OnTokenCancelled(token), this);
        lock (gate)
        {
            if (IsWaiting && _core.Version == version)
            {
                _registration = registration;
                return;
            }
        }

        registration.Unregister(); // answered meanwhile
    }

    /// <summary>Ends the wait if a flush waits (under the writer's lock); true: the caller answers it, outside the lock.</summary>
    public bool TryEndLocked()
    {
        if (!IsWaiting)
        {
            return false;
        }

        IsWaiting = false;
        _registration.Unregister();
        _registration = default;
        return true;
    }

    /// <summary>Answers the flush whose wait <see cref="TryEndLocked"/> ended.</summary>
    public void Answer(FlushResult result) => _core.SetResult(result);

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void OnTokenCancelled(CancellationToken token)
    {
        lock (gate)
        {
            if (!TryEndLocked())
            {
                return;
            }
        }

        _core.SetException(new OperationCanceledException(token));
    }
}
