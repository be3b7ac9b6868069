using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits a contract's typed client: a nested <c>Client</c> with one method per contract method, calling the peer by method
/// id (so two methods taking one message type stay apart). Every method returns a task and takes a cancellation token,
/// whatever the contract's signature: a one-way call still waits while the send queue is full.
/// </summary>
internal static class ClientEmitter
{
    public static void Emit(SourceWriter w, string contractName, ContractModel contract, string serviceDescriptor)
    {
        w.Line($"/// <summary>Calls the <c>{contract.ServiceName}</c> service (<see cref=\"{contractName}\"/>) on a remote peer: a client's server, or a server's session.</summary>");
        w.Line(KnownNames.GeneratedCode);
        w.Open("public sealed class Client");
        // The descriptors the calls name (so interceptors, metrics and traces see the method without a lookup); the
        // contract's methods are in the descriptor's order, by id.
        for (int i = 0; i < contract.Methods.Count; i++)
        {
            w.Line($"private static readonly global::Tether.MethodDescriptor __method{i} = {serviceDescriptor}.Methods[{i}];");
        }

        w.Line($"private readonly {KnownNames.TetherPeer} _peer;");
        w.Line();
        w.Line("/// <summary>Creates a client that calls through <paramref name=\"peer\"/>.</summary>");
        w.Open($"public Client({KnownNames.TetherPeer} peer)");
        w.Line("_peer = peer ?? throw new global::System.ArgumentNullException(nameof(peer));");
        w.Close();
        for (int i = 0; i < contract.Methods.Count; i++)
        {
            w.Line();
            EmitMethod(w, contract.Methods[i], $"__method{i}");
        }

        w.Close();
    }

    private static void EmitMethod(SourceWriter w, HandlerMethodModel method, string descriptor)
    {
        string request = method.RequestType;
        if (method.InputStream)
        {
            EmitStreaming(w, method, descriptor);
            return;
        }

        if (method.OneWay)
        {
            EmitPair(w, $"Sends <c>{method.Name}</c> one-way (no reply), waiting while the send queue is full.",
                KnownNames.ValueTask, method.Name, request, "message", $"InvokeOneWayAsync({descriptor}, message");
            return;
        }

        switch (method.Return)
        {
            case ReturnKind.ValueTask:
            case ReturnKind.Task:
                EmitPair(w, $"Calls <c>{method.Name}</c> and waits for it to complete.",
                    KnownNames.ValueTask, method.Name, request, "request", $"InvokeEmptyAsync({descriptor}, request");
                return;
            case ReturnKind.AsyncEnumerable:
                EmitPair(w, $"Calls the stream <c>{method.Name}</c> and yields its items.",
                    $"global::System.Collections.Generic.IAsyncEnumerable<{method.ResponseType}>", method.Name, request, "request",
                    $"InvokeStreamAsync<{request}, {method.ResponseType}>({descriptor}, request");
                return;
            default:
                EmitPair(w, $"Calls <c>{method.Name}</c> and returns its reply.",
                    $"{KnownNames.ValueTask}<{method.ResponseType}>", method.Name, request, "request",
                    $"InvokeUnaryAsync<{request}, {method.ResponseType}>({descriptor}, request");
                return;
        }
    }

    /// <summary>
    /// A method taking a request stream: fed from an <c>IAsyncEnumerable</c> (token or options), or opened as a call whose
    /// request stream the caller writes (<c>Open{Name}</c>).
    /// </summary>
    private static void EmitStreaming(SourceWriter w, HandlerMethodModel method, string descriptor)
    {
        string request = method.RequestType;
        string requests = $"global::System.Collections.Generic.IAsyncEnumerable<{request}>";
        bool duplex = method.Return == ReturnKind.AsyncEnumerable;
        string types = $"<{request}, {method.ResponseType}>";
        string returns = duplex ? $"global::System.Collections.Generic.IAsyncEnumerable<{method.ResponseType}>" : $"{KnownNames.ValueTask}<{method.ResponseType}>";
        string invoke = duplex ? $"InvokeDuplexStreamAsync{types}({descriptor}, requests" : $"InvokeClientStreamAsync{types}({descriptor}, requests";
        EmitPair(w, duplex
                ? $"Calls the bidirectional <c>{method.Name}</c> with the items of <paramref name=\"requests\"/> and yields its responses as they arrive."
                : $"Calls the client-streaming <c>{method.Name}</c> with the items of <paramref name=\"requests\"/> and returns its reply.",
            returns, method.Name, requests, "requests", invoke);

        string call = duplex ? $"global::Tether.DuplexStreamingCall{types}" : $"global::Tether.ClientStreamingCall{types}";
        string open = duplex ? $"OpenDuplexStream{types}({descriptor}, " : $"OpenClientStream{types}({descriptor}, ";
        string summary = duplex
            ? $"Opens the bidirectional <c>{method.Name}</c>: write its request stream (from any thread) while reading its responses; dispose the call when done."
            : $"Opens the client-streaming <c>{method.Name}</c>: write its request stream (from any thread), complete it, then await the reply; dispose the call when done.";
        w.Line();
        w.Line($"/// <summary>{summary}</summary>");
        w.Line($"public {call} Open{method.Name}({KnownNames.CancellationToken} cancellationToken = default) => _peer.{open}new global::Tether.CallOptions {{ CancellationToken = cancellationToken }});");
        w.Line();
        w.Line($"/// <summary>{summary} With per-call options: deadline, metadata, propagation.</summary>");
        w.Line($"public {call} Open{method.Name}(global::Tether.CallOptions options) => _peer.{open}options);");
    }

    /// <summary>The method twice: with a cancellation token (optional), and with per-call options (deadline, metadata, trailers, propagation).</summary>
    private static void EmitPair(SourceWriter w, string summary, string returns, string name, string request, string parameter, string invoke)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line($"public {returns} {name}({request} {parameter}, {KnownNames.CancellationToken} cancellationToken = default) => _peer.{invoke}, cancellationToken);");
        w.Line();
        w.Line($"/// <summary>{summary} With per-call options: deadline, metadata, trailing metadata, propagation.</summary>");
        w.Line($"public {returns} {name}({request} {parameter}, global::Tether.CallOptions options) => _peer.{invoke}, options);");
    }
}
