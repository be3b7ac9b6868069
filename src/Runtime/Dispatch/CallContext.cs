using System.Buffers;
using System.ComponentModel;
using Tether.Serialization;

namespace Tether.Dispatch;

/// <summary>
/// One call in progress, as seen by a handler and by generated dispatch code. Whatever carries the
/// call supplies the implementation (the network runtime will; tests and the quickstart have their
/// own). Handlers may take it as a parameter to read the call's cancellation and decode options.
/// </summary>
public abstract class CallContext
{
    /// <summary>Cancelled when the caller cancels, the deadline passes or the connection ends.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Limits used to decode this call's messages.</summary>
    public virtual DecodeOptions DecodeOptions => DecodeOptions.Default;

    /// <summary>Called by generated code: returns the buffer the reply message body is written to.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract IBufferWriter<byte> BeginReply(int messageId);

    /// <summary>Called by generated code once the reply body is written.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract void EndReply();

    /// <summary>Called by generated code when a unary method with no result completes.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract void CompleteEmpty();

    /// <summary>Called by generated code: returns the buffer the next stream item body is written to.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract IBufferWriter<byte> BeginStreamItem(int messageId);

    /// <summary>Called by generated code once a stream item is written; completes when the transport can take more (backpressure).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract ValueTask EndStreamItemAsync();

    /// <summary>Called by generated code when a server stream ends normally.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract void CompleteStream();

    /// <summary>Encodes <paramref name="value"/> as this call's reply.</summary>
    public void Reply<T>(in T value)
        where T : IMessage<T>
    {
        TetherCodec.Encode(BeginReply(T.MessageId), in value);
        EndReply();
    }

    /// <summary>Encodes <paramref name="value"/> as the next item of this call's stream.</summary>
    public ValueTask WriteStreamItemAsync<T>(in T value)
        where T : IMessage<T>
    {
        TetherCodec.Encode(BeginStreamItem(T.MessageId), in value);
        return EndStreamItemAsync();
    }
}
