using System.IO.Pipelines;

namespace Tether.Internal;

/// <summary>
/// A <see cref="PipeScheduler"/> that runs callbacks on the thread pool in batches, without allocating per callback
/// (<see cref="PipeScheduler.ThreadPool"/> allocates a work-item wrapper for each one). After Kestrel's IOQueue.
/// Connections are spread over a few queues, one per core up to 16.
/// </summary>
internal sealed class IOQueue : PipeScheduler, IThreadPoolWorkItem
{
    private static readonly IOQueue[] s_queues = CreateQueues();
    private static int s_next;

    private SerialWork _work = new();

    private IOQueue(int index) => Index = index;

    /// <summary>How many queues there are.</summary>
    public static int Count => s_queues.Length;

    /// <summary>This queue's place among <see cref="Count"/>, for per-queue caches.</summary>
    public int Index { get; }

    /// <summary>The next queue, round robin.</summary>
    public static IOQueue Next() => s_queues[(int)((uint)Interlocked.Increment(ref s_next) % (uint)s_queues.Length)];

    public override void Schedule(Action<object?> action, object? state)
    {
        _work.Enqueue(action, state);

        // Only one pass over the queue is in flight; whoever claims it schedules it.
        if (_work.TryClaim())
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute() => _work.RunAll();

    private static IOQueue[] CreateQueues()
    {
        var queues = new IOQueue[Math.Clamp(Environment.ProcessorCount, 1, 16)];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = new IOQueue(i);
        }

        return queues;
    }
}
