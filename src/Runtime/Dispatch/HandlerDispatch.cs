using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tether;

/// <summary>
/// Calls a handler's generated dispatch table and capability declaration. These are static members
/// of <see cref="IMessageHandler{TSelf}"/>, reachable only through a type parameter; this class is
/// that type parameter, so callers need no generic plumbing of their own.
/// </summary>
public static class HandlerDispatch
{
    /// <summary>Decodes <paramref name="payload"/> and calls <paramref name="handler"/>'s method whose id is <paramref name="methodId"/>.</summary>
    /// <returns><see langword="false"/> when the handler has no method with that id.</returns>
    /// <exception cref="TetherDecodeException">The payload is not a valid message (raised before the handler runs).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDispatch<THandler>(THandler handler, int methodId, in ReadOnlySequence<byte> payload, CallContext context, out ValueTask completion)
        where THandler : IMessageHandler<THandler>
        => THandler.TryDispatch(handler, methodId, payload, context, out completion);

    /// <summary>Whether <typeparamref name="THandler"/> has a method whose id is <paramref name="methodId"/>.</summary>
    public static bool CanDispatch<THandler>(int methodId)
        where THandler : IMessageHandler<THandler>
        => THandler.CanDispatch(methodId);

    /// <summary>
    /// The id of <typeparamref name="THandler"/>'s method of kind <paramref name="kind"/> that takes message <paramref name="messageId"/>,
    /// when exactly one does (as the runtime routes a call made by message type); otherwise 0.
    /// </summary>
    public static int FindMethod<THandler>(int messageId, MethodKind kind)
        where THandler : IMessageHandler<THandler>
    {
        int found = 0;
        foreach (MethodDescriptor method in THandler.Service.Methods)
        {
            if (method.RequestMessageId == messageId && method.Kind == kind)
            {
                if (found != 0)
                {
                    return 0;
                }

                found = method.Id;
            }
        }

        return found;
    }

    /// <summary>The capability declaration of <typeparamref name="THandler"/>.</summary>
    public static ServiceDescriptor Describe<THandler>()
        where THandler : IMessageHandler<THandler>
        => THandler.Service;
}
