using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits a handler's typed client: a nested <c>Proxy</c> with one method per handler method, calling the peer's
/// generic request, send and stream operations (so both sides share one contract: the handler).
/// </summary>
internal static class ProxyEmitter
{
    public static void Emit(SourceWriter w, HandlerModel model)
    {
        w.Line($"/// <summary>Calls <see cref=\"{model.Type.Name}\"/>'s methods on a remote peer (a client, or a server's session).</summary>");
        w.Line(KnownNames.GeneratedCode);
        w.Open("public sealed class Proxy");
        w.Line("private readonly global::Tether.TetherPeer _peer;");
        w.Line();
        w.Line("/// <summary>Creates a proxy that calls through <paramref name=\"peer\"/>.</summary>");
        w.Open("public Proxy(global::Tether.TetherPeer peer)");
        w.Line("_peer = peer ?? throw new global::System.ArgumentNullException(nameof(peer));");
        w.Close();
        foreach (HandlerMethodModel method in model.Methods)
        {
            w.Line();
            EmitMethod(w, method);
        }

        w.Close();
    }

    private static void EmitMethod(SourceWriter w, HandlerMethodModel method)
    {
        const string Token = "global::System.Threading.CancellationToken cancellationToken = default";
        string request = method.RequestType;
        switch (method.Return)
        {
            case ReturnKind.Void:
                w.Line($"/// <summary>Sends a one-way <c>{method.Name}</c> message.</summary>");
                w.Line($"public {KnownNames.ValueTask} {method.Name}({request} message, {Token}) => _peer.SendAsync(message, cancellationToken);");
                return;
            case ReturnKind.ValueTask:
            case ReturnKind.Task:
                w.Line($"/// <summary>Calls <c>{method.Name}</c> and waits for it to complete.</summary>");
                w.Line($"public {KnownNames.ValueTask} {method.Name}({request} request, {Token}) => _peer.RequestAsync(request, cancellationToken);");
                return;
            case ReturnKind.AsyncEnumerable:
                w.Line($"/// <summary>Calls the stream <c>{method.Name}</c> and yields its items.</summary>");
                w.Line($"public global::System.Collections.Generic.IAsyncEnumerable<{method.ResponseType}> {method.Name}({request} request, {Token}) => _peer.StreamAsync<{request}, {method.ResponseType}>(request, cancellationToken);");
                return;
            default:
                w.Line($"/// <summary>Calls <c>{method.Name}</c> and returns its reply.</summary>");
                w.Line($"public {KnownNames.ValueTask}<{method.ResponseType}> {method.Name}({request} request, {Token}) => _peer.RequestAsync<{request}, {method.ResponseType}>(request, cancellationToken);");
                return;
        }
    }
}
