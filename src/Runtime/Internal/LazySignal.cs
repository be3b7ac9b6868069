namespace Tether.Internal;

/// <summary>
/// A one-shot signal that makes its <see cref="TaskCompletionSource"/> only when someone asks for its task before it
/// completes, or when it fails: a session's handshake and close signals cost an idle session nothing when nobody waits on
/// them (the server learns of both through <see cref="Connections.ISessionLifetime"/>). First outcome wins, as with a
/// completion source; awaiters resume asynchronously. A mutable struct: keep it in a field and never copy it.
/// </summary>
internal struct LazySignal
{
    // Completed successfully before anyone asked: shared by every signal, since a completed task carries no state.
    private static readonly object s_succeeded = new();

    private object? _state; // null: pending, no task yet; s_succeeded; or the TaskCompletionSource someone asked for

    /// <summary>The signal as a task (made now if it is still pending and nobody asked before).</summary>
    public Task Task
    {
        get
        {
            while (true)
            {
                switch (Volatile.Read(ref _state))
                {
                    case TaskCompletionSource source:
                        return source.Task;
                    case null:
                        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        if (Interlocked.CompareExchange(ref _state, created, null) is null)
                        {
                            return created.Task;
                        }

                        break; // completed or asked for meanwhile: look again
                    default:
                        return Task.CompletedTask;
                }
            }
        }
    }

    /// <summary>Completed, either way.</summary>
    public readonly bool IsCompleted => Volatile.Read(in _state) switch
    {
        null => false,
        TaskCompletionSource source => source.Task.IsCompleted,
        _ => true,
    };

    /// <summary>Completed without an exception.</summary>
    public readonly bool IsCompletedSuccessfully => Volatile.Read(in _state) switch
    {
        null => false,
        TaskCompletionSource source => source.Task.IsCompletedSuccessfully,
        _ => true,
    };

    /// <summary>Completes the signal; false when it had already completed.</summary>
    public bool TrySetResult()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case null:
                    if (Interlocked.CompareExchange(ref _state, s_succeeded, null) is null)
                    {
                        return true;
                    }

                    break;
                case TaskCompletionSource source:
                    return source.TrySetResult();
                default:
                    return false;
            }
        }
    }

    /// <summary>Fails the signal with <paramref name="error"/>; false when it had already completed.</summary>
    public bool TrySetException(Exception error)
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case null:
                    // A failure is kept in a source of its own, so every later reader sees the same faulted task.
                    var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    failed.SetException(error);
                    _ = failed.Task.Exception; // nobody was waiting: observed here, so it is not reported as unobserved
                    if (Interlocked.CompareExchange(ref _state, failed, null) is null)
                    {
                        return true;
                    }

                    break;
                case TaskCompletionSource source:
                    return source.TrySetException(error);
                default:
                    return false;
            }
        }
    }
}
