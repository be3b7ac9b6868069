using System.Threading.Tasks.Sources;
using Microsoft.Extensions.ObjectPool;

namespace Tether.Connections;

/// <summary>
/// A pending call whose awaitable is the call object itself (<see cref="ManualResetValueTaskSourceCore{TResult}"/>),
/// pooled per call type: awaiting a call allocates nothing. Answers the link's receive loop delivers are published at
/// the end of its batch, on the loop, before the batch's flush (<see cref="CompletionBatch"/>, decision 0029); others
/// through the link's <see cref="Transport.TransportConnection.CompletionScheduler"/> (a TCP link's IOQueue, a QUIC
/// connection's turn) or a shared IOQueue, not through <c>ThreadPool.UnsafeQueueUserWorkItem</c> (which allocates per call).
/// </summary>
internal abstract class PooledCall<TSelf, TResult> : PendingCall
    where TSelf : PooledCall<TSelf, TResult>, new()
{
    private static readonly ObjectPool<TSelf> s_pool = new DefaultObjectPool<TSelf>(new DefaultPooledObjectPolicy<TSelf>(), MaxPooled);
    private static readonly Action<object?> s_publish = static state => ((TSelf)state!).Publish();

    private ManualResetValueTaskSourceCore<TResult> _core;
    private CancellationTokenRegistration _cancellation;
    private CancellationTokenRegistration _parentCancellation;
    private TResult? _result;
    private Exception? _error;

    public static TSelf Rent() => s_pool.Get();

    protected short Version => _core.Version;

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            CancellationToken = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(OnCanceled, this);
        }
    }

    /// <summary>Propagation: the call being handled that this call was made for is cancelled, so is this call.</summary>
    public void RegisterParentCancellation(CancellationToken parent)
    {
        if (parent.CanBeCanceled)
        {
            _parentCancellation = parent.UnsafeRegister(OnCanceled, this);
        }
    }

    protected void Succeed(TResult result)
    {
        _result = result;
        PublishSoon();
    }

    public override void Fail(Exception error)
    {
        _error = error;
        PublishSoon();
    }

    // Answers the link's receive loop delivers wait for the end of its batch; others go through the scheduler at once.
    private void PublishSoon()
    {
        if (Connection?.Completions.TryDefer(this) != true)
        {
            Scheduler.Schedule(s_publish, this);
        }
    }

    // The connection's own queue: the completions of one receive batch are published in one pass.
    private System.IO.Pipelines.PipeScheduler Scheduler => Connection?.CompletionScheduler ?? Internal.IOQueue.Next();

    public override void Publish()
    {
        if (_error is { } error)
        {
            _error = null;
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(_result!);
        }
    }

    /// <summary>
    /// The caller takes the answer (in its own continuation, on the thread pool): an observed call's duration and span end
    /// here rather than where the answer is published, which is one serial queue for all of a link's calls.
    /// </summary>
    protected TResult GetResultAndRecycle(short token)
    {
        Observability.ClientCallScope scope = Scope;
        try
        {
            TResult result = _core.GetResult(token);
            scope.Complete(null);
            return result;
        }
        catch (Exception e)
        {
            scope.Complete(e);
            throw;
        }
        finally
        {
            Recycle();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Back to the pool: the cancellation registration is disposed first (waiting out a running callback), so no stale callback can touch the next call.</summary>
    public void Recycle()
    {
        _cancellation.Dispose();
        _cancellation = default;
        _parentCancellation.Dispose();
        _parentCancellation = default;
        DisarmDeadline();
        TrailersSink = null;
        Scope = default;
        DeadlineSent = false;
        CancellationToken = default;
        Connection = null;
        CallId = 0;
        Deadline = long.MaxValue;
        _result = default;
        _core.Reset();
        s_pool.Return((TSelf)this);
    }
}
