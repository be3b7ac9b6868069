using System.Buffers;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.ObjectPool;
using Tether.Framing;
using Tether.Serialization;

namespace Tether.Connections;

/// <summary>A pooled pending unary call whose reply is a <typeparamref name="TResponse"/>; awaiting it allocates nothing.</summary>
internal sealed class UnaryCall<TResponse> : PendingCall, IValueTaskSource<TResponse>
    where TResponse : IMessage<TResponse>
{
    private static readonly ObjectPool<UnaryCall<TResponse>> s_pool = new DefaultObjectPool<UnaryCall<TResponse>>(new DefaultPooledObjectPolicy<UnaryCall<TResponse>>(), MaxPooled);

    private ManualResetValueTaskSourceCore<TResponse> _core;
    private TResponse? _result;
    private Exception? _error;

    // Completions are published from an IOQueue, not inline on the receive loop (user code after an await must not
    // stall the connection) and not through ThreadPool.UnsafeQueueUserWorkItem (which allocates per call).
    private static readonly Action<object?> s_publish = static state => ((UnaryCall<TResponse>)state!).Publish();
    private CancellationTokenRegistration _cancellation;

    public static UnaryCall<TResponse> Rent() => s_pool.Get();

    public ValueTask<TResponse> Task => new(this, _core.Version);

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            CancellationToken = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(OnCanceled, this);
        }
    }

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (header.MessageId != TResponse.MessageId || (header.Flags & FrameFlags.Empty) != 0)
        {
            Fail(new TetherException(TetherErrorCode.UnexpectedReply,
                $"Expected a reply with message id {TResponse.MessageId}, got {((header.Flags & FrameFlags.Empty) != 0 ? "an empty reply" : header.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture))}."));
            return;
        }

        TResponse value;
        try
        {
            value = TetherCodec.Decode<TResponse>(in payload, options);
        }
        catch (TetherDecodeException e)
        {
            Fail(e);
            return;
        }

        _result = value;
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
            _core.SetResult(_result!);
        }
    }

    public TResponse GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
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
        CancellationToken = default;
        Connection = null;
        CallId = 0;
        Deadline = long.MaxValue;
        _result = default;
        _core.Reset();
        s_pool.Return(this);
    }
}
