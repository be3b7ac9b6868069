
namespace Tether.Conformance.Tests.Sessions;

[Message(40)]
public partial record struct Numbered(long Value);

[Message(41)]
public partial record struct NumberedCall(long Value);

[Message(42)]
public partial record struct NumberedReply(long Value);

/// <summary>Checks that numbered messages arrive exactly once and in order; completes when the last one has.</summary>
public sealed class SequenceRecorder(long expected)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, TaskCompletionSource> _waiters = new();
    private long _next;

    public long Received => Volatile.Read(ref _next);

    /// <summary>The first out-of-order or repeated value, if any.</summary>
    public string? Error { get; private set; }

    public Task Done => _done.Task;

    /// <summary>Completes once <paramref name="count"/> values have been recorded in order.</summary>
    public Task WhenReceived(long count)
    {
        TaskCompletionSource waiter = _waiters.GetOrAdd(count, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Volatile.Read(ref _next) >= count)
        {
            waiter.TrySetResult(); // reached before the waiter was added
        }

        return waiter.Task;
    }

    public void Record(long value)
    {
        // Handlers of one session run one at a time for one-way messages only if they complete synchronously,
        // which these do: the receive loop dispatches in order.
        if (value != _next)
        {
            Error ??= $"got {value} where {_next} was due";
            _done.TrySetException(new InvalidOperationException(Error));
            return;
        }

        long next = Interlocked.Increment(ref _next);
        if (_waiters.TryGetValue(next, out TaskCompletionSource? waiter))
        {
            waiter.TrySetResult();
        }

        if (next == expected)
        {
            _done.TrySetResult();
        }
    }
}

[Handler(ServiceName = "Sequences")]
public sealed partial class SequenceHandler(SequenceRecorder recorder)
{
    public void Take(Numbered message) => recorder.Record(message.Value);

    public ValueTask<NumberedReply> Call(NumberedCall call) => new(new NumberedReply(call.Value * 2));
}

[Handler(ServiceName = "SequencePushes")]
public sealed partial class PushRecorder(SequenceRecorder recorder)
{
    public void Take(Numbered message) => recorder.Record(message.Value);
}
