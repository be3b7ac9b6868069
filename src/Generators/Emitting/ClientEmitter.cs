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
    public static void Emit(SourceWriter w, string contractName, ContractModel contract)
    {
        w.Line($"/// <summary>Calls the <c>{contract.ServiceName}</c> service (<see cref=\"{contractName}\"/>) on a remote peer: a client's server, or a server's session.</summary>");
        w.Line(KnownNames.GeneratedCode);
        w.Open("public sealed class Client");
        w.Line($"private readonly {KnownNames.TetherPeer} _peer;");
        w.Line();
        w.Line("/// <summary>Creates a client that calls through <paramref name=\"peer\"/>.</summary>");
        w.Open($"public Client({KnownNames.TetherPeer} peer)");
        w.Line("_peer = peer ?? throw new global::System.ArgumentNullException(nameof(peer));");
        w.Close();
        foreach (HandlerMethodModel method in contract.Methods)
        {
            w.Line();
            EmitMethod(w, method);
        }

        w.Close();
    }

    private static void EmitMethod(SourceWriter w, HandlerMethodModel method)
    {
        string token = $"{KnownNames.CancellationToken} cancellationToken = default";
        string request = method.RequestType;
        if (method.OneWay)
        {
            w.Line($"/// <summary>Sends <c>{method.Name}</c> one-way (no reply), waiting while the send queue is full.</summary>");
            w.Line($"public {KnownNames.ValueTask} {method.Name}({request} message, {token}) => _peer.InvokeOneWayAsync({method.MethodId}, message, cancellationToken);");
            return;
        }

        switch (method.Return)
        {
            case ReturnKind.ValueTask:
            case ReturnKind.Task:
                w.Line($"/// <summary>Calls <c>{method.Name}</c> and waits for it to complete.</summary>");
                w.Line($"public {KnownNames.ValueTask} {method.Name}({request} request, {token}) => _peer.InvokeEmptyAsync({method.MethodId}, request, cancellationToken);");
                return;
            case ReturnKind.AsyncEnumerable:
                w.Line($"/// <summary>Calls the stream <c>{method.Name}</c> and yields its items.</summary>");
                w.Line($"public global::System.Collections.Generic.IAsyncEnumerable<{method.ResponseType}> {method.Name}({request} request, {token}) => _peer.InvokeStreamAsync<{request}, {method.ResponseType}>({method.MethodId}, request, cancellationToken);");
                return;
            default:
                w.Line($"/// <summary>Calls <c>{method.Name}</c> and returns its reply.</summary>");
                w.Line($"public {KnownNames.ValueTask}<{method.ResponseType}> {method.Name}({request} request, {token}) => _peer.InvokeUnaryAsync<{request}, {method.ResponseType}>({method.MethodId}, request, cancellationToken);");
                return;
        }
    }
}
