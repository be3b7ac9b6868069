using System.Buffers;

namespace Tether;

/// <summary>
/// Implemented by the source generator for every <see cref="HandlerAttribute">handler</see>: a static
/// dispatch table and capability declaration, so the runtime calls them with no reflection or boxing.
/// </summary>
/// <typeparam name="TSelf">The handler type.</typeparam>
public interface IMessageHandler<TSelf> where TSelf : IMessageHandler<TSelf>
{
    /// <summary>The handler's capability declaration.</summary>
    static abstract ServiceDescriptor Service { get; }

    /// <summary>Whether the handler has a method whose id is <paramref name="methodId"/>.</summary>
    static abstract bool CanDispatch(int methodId);

    /// <summary>
    /// Decodes the message in <paramref name="payload"/>, calls the method whose id is <paramref name="methodId"/>
    /// and reports its result through <paramref name="context"/>.
    /// </summary>
    /// <remarks>
    /// The payload is decoded completely, into objects that own their data, before this method
    /// returns: the caller may release or reuse the payload buffer (for example advance its
    /// <c>PipeReader</c>) as soon as it has the completion, even while the handler is still running.
    /// </remarks>
    /// <returns><see langword="false"/> when no method has id <paramref name="methodId"/> (nothing was called).</returns>
    /// <exception cref="TetherDecodeException">The payload is not a valid message (thrown before the handler runs).</exception>
    static abstract bool TryDispatch(TSelf handler, int methodId, in ReadOnlySequence<byte> payload, CallContext context, out ValueTask completion);
}
