using System.Collections.Concurrent;

namespace Tether.Internal;

/// <summary>
/// Callbacks that one pass at a time runs, in order, on whatever thread the owner gives it (the drain of Kestrel's
/// IOQueue): whoever <see cref="TryClaim"/>s the pass queues it; <see cref="RunAll"/> runs everything, including what
/// arrives meanwhile, and releases the claim. A mutable struct: keep it in a field and call it there.
/// </summary>
internal struct SerialWork
{
    private readonly ConcurrentQueue<Work> _work;
    private int _claimed; // 1 while a pass is queued or running

    public SerialWork() => _work = new ConcurrentQueue<Work>();

    public readonly bool IsEmpty => _work.IsEmpty;

    public readonly void Enqueue(Action<object?> callback, object? state) => _work.Enqueue(new Work(callback, state));

    /// <summary>True when no pass is queued or running: the caller now owns it and must queue it.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    /// <summary>Runs the callbacks until none is left, then releases the claim.</summary>
    public void RunAll()
    {
        while (true)
        {
            while (_work.TryDequeue(out Work item))
            {
                item.Callback(item.State);
            }

            // Release, then look again: a callback enqueued between the last dequeue and the release would otherwise
            // wait for the next claim.
            Volatile.Write(ref _claimed, 0);
            Interlocked.MemoryBarrier();
            if (_work.IsEmpty || Interlocked.Exchange(ref _claimed, 1) == 1)
            {
                return;
            }
        }
    }

    private readonly record struct Work(Action<object?> Callback, object? State);
}
