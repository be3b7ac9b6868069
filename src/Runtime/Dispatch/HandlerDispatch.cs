using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tether.Dispatch;

/// <summary>
/// Calls a handler's generated dispatch table and capability declaration. These are static members
/// of <see cref="IMessageHandler{TSelf}"/>, reachable only through a type parameter; this class is
/// that type parameter, so callers need no generic plumbing of their own.
/// </summary>
public static class HandlerDispatch
{
    /// <summary>Decodes <paramref name="payload"/> and calls <paramref name="handler"/>'s method for <paramref name="messageId"/>.</summary>
    /// <returns><see langword="false"/> when the handler has no method for <paramref name="messageId"/>.</returns>
    /// <exception cref="TetherDecodeException">The payload is not a valid message (raised before the handler runs).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDispatch<THandler>(THandler handler, int messageId, in ReadOnlySequence<byte> payload, CallContext context, out ValueTask completion)
        where THandler : IMessageHandler<THandler>
        => THandler.TryDispatch(handler, messageId, payload, context, out completion);

    /// <summary>Whether <typeparamref name="THandler"/> has a method for <paramref name="messageId"/>.</summary>
    public static bool CanDispatch<THandler>(int messageId)
        where THandler : IMessageHandler<THandler>
        => THandler.CanDispatch(messageId);

    /// <summary>The capability declaration of <typeparamref name="THandler"/>.</summary>
    public static ServiceDescriptor Describe<THandler>()
        where THandler : IMessageHandler<THandler>
        => THandler.Service;
}
