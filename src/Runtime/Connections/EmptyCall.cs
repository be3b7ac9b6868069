using System.Buffers;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.ObjectPool;
using Tether.Framing;
using Tether.Serialization;

namespace Tether.Connections;

/// <summary>A pooled pending call whose caller wants completion only (the method returns nothing, or its result is ignored).</summary>
internal sealed class EmptyCall : PendingCall, IValueTaskSource
{
    private static readonly ObjectPool<EmptyCall> s_pool = new DefaultObjectPool<EmptyCall>(new DefaultPooledObjectPolicy<EmptyCall>(), MaxPooled);

    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _result;
    private Exception? _error;

    // Completions are published from an IOQueue, not inline on the receive loop (user code after an await must not
    // stall the connection) and not through ThreadPool.UnsafeQueueUserWorkItem (which allocates per call).
    private static readonly Action<object?> s_publish = static state => ((EmptyCall)state!).Publish();
    private CancellationTokenRegistration _cancellation;

    public static EmptyCall Rent() => s_pool.Get();

    public ValueTask Task => new(this, _core.Version);

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            CancellationToken = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(OnCanceled, this);
        }
    }

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) {
        _result = true;
        Internal.IOQueue.Next().Schedule(s_publish, this);
    }

    public override void Fail(Exception error)
    {
        _error = error;
        Internal.IOQueue.Next().Schedule(s_publish, this);
    }

    private void Publish()
    {
        if (_error is { } error)
        {
            _error = null;
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(_result);
        }
    }

    public void GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public void Recycle()
    {
        _cancellation.Dispose();
        _cancellation = default;
        CancellationToken = default;
        Connection = null;
        CallId = 0;
        Deadline = long.MaxValue;
        _result = default;
        _core.Reset();
        s_pool.Return(this);
    }
}
