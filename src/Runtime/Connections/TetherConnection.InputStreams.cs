using Tether.Framing;
using Tether.Observability;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    /// <summary>
    /// Starts a client-streaming call: its request carries the call headers only (flag <see cref="FrameFlags.InputStream"/>),
    /// its items follow through <paramref name="writer"/>, and its reply completes the returned call.
    /// </summary>
    public ClientStreamReply<TResponse> StartClientStream<TRequest, TResponse>(int methodId, RequestStreamWriter<TRequest> writer, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        var call = new ClientStreamReply<TResponse>();
        StartInputCall(call, methodId, FrameFlags.InputStream, writer, StreamPlan(options).Observed(observed));
        return call;
    }

    /// <summary>Starts a bidirectional call: the request stream goes through <paramref name="writer"/>, the reply stream arrives in the returned call.</summary>
    public StreamCall<TItem> StartDuplexStream<TRequest, TItem>(int methodId, RequestStreamWriter<TRequest> writer, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
    {
        var call = new StreamCall<TItem>(_settings.StreamBufferItems, StreamItems.Typed<TItem>(), this);
        call.Output = StartInputCall(call, methodId, FrameFlags.InputStream | FrameFlags.Stream, writer, StreamPlan(options).Observed(observed, completesWithCall: false));
        return call;
    }

    private int _roundTripProbed;

    TimeProvider ILinkTiming.Time => _settings.TimeProvider;

    /// <summary>A stream's first grant before the first heartbeat: one ping now, so its window can grow with the link.</summary>
    void ILinkTiming.MeasureRoundTrip()
    {
        if (RoundTripTime is null && Interlocked.Exchange(ref _roundTripProbed, 1) == 0)
        {
            Span<byte> stamp = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(stamp, _settings.TimeProvider.GetTimestamp());
            TryWrite(FrameType.Ping, 0, 0, stamp);
        }
    }

    /// <summary>A stream has no deadline unless its options give one: the default call timeout is for unary calls.</summary>
    private CallPlan StreamPlan(in CallOptions options) =>
        options.Timeout is null && options.Deadline is null && options.PropagateFrom?.Deadline is null
            ? CallPlan.From(options, Timeout.InfiniteTimeSpan, sendDefaultDeadline: false, _settings.TimeProvider)
            : CallPlan.From(options, _settings.DefaultCallTimeout, _settings.SendDefaultDeadline, _settings.TimeProvider);

    private FrameOutput StartInputCall<TRequest>(PendingCall call, int methodId, FrameFlags flags, RequestStreamWriter<TRequest> writer, in CallPlan plan)
        where TRequest : IMessage<TRequest>
    {
        if (methodId == 0)
        {
            throw new ArgumentException("A call with a request stream names its method.", nameof(methodId));
        }

        ThrowIfCannotCall(plan.Token);
        call.Input = writer;
        if (!Register(call, plan))
        {
            throw PendingTableFull();
        }

        try
        {
            // Over QUIC the call has a stream of its own, so its items and credits never wait behind another call's.
            FrameOutput output = LanesAllowed ? _lanes.TryOpen(call.CallId) ?? Output : Output;
            writer.Attach(output, call.CallId);
            output.WriteHeadersOnly(FrameType.Request, flags, call.CallId, methodId, plan.Headers);
            return output;
        }
        catch
        {
            _pending.TryRemove(call.CallId);
            throw;
        }
    }
}
