using Tether.Calls;
using Tether.Connections;

namespace Tether;

/// <summary>
/// Calls with encoded bodies, for code that knows a method's shape but not its generated types (a gateway, the
/// <c>tether</c> tool). They name the method by id, as generated clients do, and are timed and traced as typed calls
/// are, but go straight to the connection: the client's interceptors, which work with typed messages, do not see them.
/// </summary>
public abstract partial class TetherPeer
{
    /// <summary>Calls unary <paramref name="method"/> with an encoded request body and returns the reply's id and bytes (id 0 and no bytes for a method that returns nothing).</summary>
    /// <param name="method">The method (its id and kind are what count; introspection gives them).</param>
    /// <param name="requestBody">The request message's encoded body (<c>docs/wire-format.md</c> §3).</param>
    /// <param name="options">Deadline, metadata, cancellation.</param>
    /// <exception cref="TetherException">The call failed, as a typed call would have.</exception>
    public ValueTask<EncodedMessage> InvokeEncodedAsync(MethodDescriptor method, ReadOnlyMemory<byte> requestBody, CallOptions options = default)
    {
        RequireKind(method, MethodKind.Unary);
        TetherConnection connection = Connection;
        return connection.RequestEncodedAsync(method.Id, requestBody, options, Observe<EncodedBody>(connection, method));
    }

    /// <summary>Calls server-streaming <paramref name="method"/> with an encoded request body and yields its items as bytes.</summary>
    /// <remarks>Stopping the enumeration early, or cancelling, sends a cancel frame so the handler stops too.</remarks>
    public IAsyncEnumerable<EncodedMessage> InvokeEncodedStreamAsync(MethodDescriptor method, ReadOnlyMemory<byte> requestBody, CallOptions options = default)
    {
        RequireKind(method, MethodKind.ServerStreaming);
        return ReadStream(method, new EncodedBody(requestBody), StreamItems.Encoded, options, mayRetry: false); // encoded calls are not retried (decision 0022)
    }

    /// <summary>Sends one-way <paramref name="method"/> an encoded body, waiting while the send queue is full.</summary>
    public ValueTask InvokeEncodedOneWayAsync(MethodDescriptor method, ReadOnlyMemory<byte> body, CallOptions options = default)
    {
        RequireKind(method, MethodKind.OneWay);
        return SendOneWayAsync(method, new EncodedBody(body), options);
    }

    private static void RequireKind(MethodDescriptor method, MethodKind kind)
    {
        ArgumentNullException.ThrowIfNull(method);
        _ = Named(method);
        if (method.Kind != kind)
        {
            throw new ArgumentException($"{method.FullName} is {method.Kind}, not {kind}.", nameof(method));
        }
    }
}
