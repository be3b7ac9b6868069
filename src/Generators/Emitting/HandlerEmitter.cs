using System.Linq;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits a handler's dispatch table (a switch on message id calling the method directly) and its
/// capability declaration (static data), implementing <c>IMessageHandler&lt;T&gt;</c> explicitly.
/// </summary>
internal static class HandlerEmitter
{
    public static string Emit(HandlerModel model)
    {
        var w = new SourceWriter();
        string self = model.FullyQualifiedName;
        string contract = $"{KnownNames.IMessageHandler}<{self}>";

        SourceFile.Open(w, model.Namespace, model.ContainingTypes);
        w.Open($"partial {model.Type.Keyword} {model.Type.Name} : {contract}");

        EmitCapabilities(w, model, contract);
        w.Line();
        EmitCanDispatch(w, model, contract);
        w.Line();
        EmitSwitch(w, model, contract);
        foreach (HandlerMethodModel method in model.Methods)
        {
            w.Line();
            EmitMethod(w, self, method);
        }

        w.Line();
        ProxyEmitter.Emit(w, model);
        w.Close();
        SourceFile.Close(w, model.Namespace, model.ContainingTypes);
        return w.ToString();
    }

    private static void EmitCapabilities(SourceWriter w, HandlerModel model, string contract)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Line($"private static readonly {KnownNames.ServiceDescriptor} __tetherService = new(");
        w.Line($"    {Literal(model.ServiceName)},");
        w.Line($"    {model.Version},");
        w.Line($"    new {KnownNames.MethodDescriptor}[]");
        w.Line("    {");
        foreach (HandlerMethodModel method in model.Methods)
        {
            w.Line($"        new({Literal(method.Name)}, {KnownNames.MethodKind}.{Kind(method.Return)}, {method.RequestId}, {method.ResponseId}),");
        }

        w.Line("    },");
        w.Line($"    new {KnownNames.MessageShape}[]");
        w.Line("    {");
        foreach (MessageShapeModel message in model.Messages)
        {
            string members = string.Join(", ", message.Members.Select(static m => $"new({Literal(m.Name)}, {Literal(m.WireType)})"));
            w.Line($"        new({message.Id}, {Literal(message.TypeName)}, new {KnownNames.MemberShape}[] {{ {members} }}),");
        }

        w.Line("    });");
        w.Line();
        w.Line(KnownNames.GeneratedCode);
        w.Line($"static {KnownNames.ServiceDescriptor} {contract}.Service => __tetherService;");
    }

    private static void EmitCanDispatch(SourceWriter w, HandlerModel model, string contract)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Open($"static bool {contract}.CanDispatch(int messageId)");
        w.Open("switch (messageId)");
        foreach (HandlerMethodModel method in model.Methods)
        {
            w.Line($"case {method.RequestId}:");
        }

        if (model.Methods.Count > 0)
        {
            w.Line("    return true;");
        }

        w.Line("default:");
        w.Line("    return false;");
        w.Close();
        w.Close();
    }

    private static void EmitSwitch(SourceWriter w, HandlerModel model, string contract)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Open($"static bool {contract}.TryDispatch({model.FullyQualifiedName} handler, int messageId, in {KnownNames.Sequence} payload, {KnownNames.ContextType} context, out {KnownNames.ValueTask} completion)");
        w.Open("switch (messageId)");
        foreach (HandlerMethodModel method in model.Methods)
        {
            w.Line($"case {method.RequestId}:");
            w.Line($"    completion = __TetherDispatch{method.Name}(handler, in payload, context);");
            w.Line("    return true;");
        }

        w.Line("default:");
        w.Line("    completion = default;");
        w.Line("    return false;");
        w.Close();
        w.Close();
    }

    private static void EmitMethod(SourceWriter w, string self, HandlerMethodModel method)
    {
        string name = "__TetherDispatch" + method.Name;
        string args = string.Concat(method.Arguments.Select(static a => ", " + a));
        string call = $"handler.{method.Name}(request{args})";
        w.Line(KnownNames.GeneratedCode);
        w.Open($"private static {KnownNames.ValueTask} {name}({self} handler, in {KnownNames.Sequence} payload, {KnownNames.ContextType} context)");
        w.Line($"{method.RequestType} request = global::Tether.Serialization.TetherCodec.Decode<{method.RequestType}>(in payload, context.DecodeOptions);");
        switch (method.Return)
        {
            case ReturnKind.Void:
                w.Line($"{call};");
                w.Line("return default;");
                w.Close();
                return;
            case ReturnKind.Message:
                w.Line($"context.Reply({call});");
                w.Line("return default;");
                w.Close();
                return;
            case ReturnKind.ValueTask:
            case ReturnKind.Task:
                w.Line($"var pending = {call};");
                w.Open("if (pending.IsCompletedSuccessfully)");
                w.Line("context.CompleteEmpty();");
                w.Line("return default;");
                w.Close();
                w.Line($"return {name}Async(pending, context);");
                w.Close();
                w.Line();
                string pendingType = method.Return == ReturnKind.Task ? "global::System.Threading.Tasks.Task" : KnownNames.ValueTask;
                w.Line(KnownNames.GeneratedCode);
                w.Line(KnownNames.PoolingBuilder);
                w.Open($"private static async {KnownNames.ValueTask} {name}Async({pendingType} pending, {KnownNames.ContextType} context)");
                w.Line("await pending.ConfigureAwait(false);");
                w.Line("context.CompleteEmpty();");
                w.Close();
                return;
            case ReturnKind.ValueTaskOfT:
            case ReturnKind.TaskOfT:
                w.Line($"var pending = {call};");
                w.Open("if (pending.IsCompletedSuccessfully)");
                w.Line("context.Reply(pending.Result);");
                w.Line("return default;");
                w.Close();
                w.Line($"return {name}Async(pending, context);");
                w.Close();
                w.Line();
                string resultType = method.Return == ReturnKind.TaskOfT
                    ? $"global::System.Threading.Tasks.Task<{method.ResponseType}>"
                    : $"{KnownNames.ValueTask}<{method.ResponseType}>";
                w.Line(KnownNames.GeneratedCode);
                w.Line(KnownNames.PoolingBuilder);
                w.Open($"private static async {KnownNames.ValueTask} {name}Async({resultType} pending, {KnownNames.ContextType} context)");
                w.Line("context.Reply(await pending.ConfigureAwait(false));");
                w.Close();
                return;
            default:
                w.Line($"return {name}Async({call}, context);");
                w.Close();
                w.Line();
                w.Line(KnownNames.GeneratedCode);
                w.Line(KnownNames.PoolingBuilder);
                w.Open($"private static async {KnownNames.ValueTask} {name}Async(global::System.Collections.Generic.IAsyncEnumerable<{method.ResponseType}> items, {KnownNames.ContextType} context)");
                w.Open("await foreach (var item in global::System.Threading.Tasks.TaskAsyncEnumerableExtensions.WithCancellation(items, context.CancellationToken).ConfigureAwait(false))");
                w.Line("await context.WriteStreamItemAsync(item).ConfigureAwait(false);");
                w.Close();
                w.Line("context.CompleteStream();");
                w.Close();
                return;
        }
    }

    private static string Kind(ReturnKind kind) => kind switch
    {
        ReturnKind.Void => "OneWay",
        ReturnKind.AsyncEnumerable => "ServerStreaming",
        _ => "Unary",
    };

    private static string Literal(string value) =>
        Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
}
