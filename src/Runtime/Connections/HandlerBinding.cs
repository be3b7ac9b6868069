using System.Buffers;

namespace Tether.Connections;

/// <summary>One handler instance bound to a connection: a single virtual call into its generated dispatch table.</summary>
internal abstract class HandlerBinding
{
    public abstract bool TryDispatch(int messageId, in ReadOnlySequence<byte> payload, CallContext context, out ValueTask completion);
}

/// <summary>Calls <typeparamref name="THandler"/>'s generated static dispatch directly (no reflection, no delegate per call).</summary>
internal sealed class HandlerBinding<THandler>(THandler handler) : HandlerBinding
    where THandler : IMessageHandler<THandler>
{
    public override bool TryDispatch(int messageId, in ReadOnlySequence<byte> payload, CallContext context, out ValueTask completion) =>
        THandler.TryDispatch(handler, messageId, payload, context, out completion);
}
