using System.Linq;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits a handler's dispatch table (a switch on method id calling the method directly) and its capability declaration
/// (static data), implementing <c>IMessageHandler&lt;T&gt;</c> explicitly; and, for a handler that is its own contract, its client.
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

        w.Line(KnownNames.GeneratedCode);
        CapabilityEmitter.Emit(w, $"private static readonly {KnownNames.ServiceDescriptor} __tetherService", model.Contract, model.Access);
        w.Line();
        w.Line(KnownNames.GeneratedCode);
        w.Line($"static {KnownNames.ServiceDescriptor} {contract}.Service => __tetherService;");
        w.Line();
        EmitCanDispatch(w, model, contract);
        w.Line();
        EmitSwitch(w, model, contract);

        // A handler of a [Service] interface is called through it (its methods may be explicit implementations).
        string target = model.ContractInterface.Length > 0 ? $"(({model.ContractInterface})handler)" : "handler";
        foreach (HandlerMethodModel method in model.Contract.Methods)
        {
            w.Line();
            EmitMethod(w, self, target, method);
        }

        if (model.ContractInterface.Length == 0)
        {
            // The handler is its own contract, so it carries the client too; a [Service] interface carries its own.
            w.Line();
            ClientEmitter.Emit(w, model.Type.Name, model.Contract, "__tetherService");
        }

        w.Close();
        SourceFile.Close(w, model.Namespace, model.ContainingTypes);
        return w.ToString();
    }

    private static void EmitCanDispatch(SourceWriter w, HandlerModel model, string contract)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Open($"static bool {contract}.CanDispatch(int methodId)");
        w.Open("switch (methodId)");
        foreach (HandlerMethodModel method in model.Contract.Methods)
        {
            w.Line($"case {method.MethodId}:");
        }

        if (model.Contract.Methods.Count > 0)
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
        w.Open($"static bool {contract}.TryDispatch({model.FullyQualifiedName} handler, int methodId, in {KnownNames.Sequence} payload, {KnownNames.ContextType} context, out {KnownNames.ValueTask} completion)");
        w.Open("switch (methodId)");
        foreach (HandlerMethodModel method in model.Contract.Methods)
        {
            w.Line($"case {method.MethodId}:");
            w.Line($"    completion = __TetherDispatch{method.Name}(handler, in payload, context);");
            w.Line("    return true;");
        }

        w.Line("default:");
        w.Line("    completion = default;");
        w.Line("    return false;");
        w.Close();
        w.Close();
    }

    private static void EmitMethod(SourceWriter w, string self, string target, HandlerMethodModel method)
    {
        string name = "__TetherDispatch" + method.Name;
        string args = string.Concat(method.Arguments.Select(static a => ", " + a));
        string call = $"{target}.{method.Name}(request{args})";
        w.Line(KnownNames.GeneratedCode);
        w.Open($"private static {KnownNames.ValueTask} {name}({self} handler, in {KnownNames.Sequence} payload, {KnownNames.ContextType} context)");
        // A request stream is opened before dispatch returns, so its items decode straight from the pipe as they arrive.
        w.Line(method.InputStream
            ? $"global::System.Collections.Generic.IAsyncEnumerable<{method.RequestType}> request = context.ReadInputStream<{method.RequestType}>();"
            : $"{method.RequestType} request = global::Tether.TetherCodec.Decode<{method.RequestType}>(in payload, context.DecodeOptions);");
        if (method.OneWay && method.Return != ReturnKind.Void)
        {
            // An asynchronous one-way method: the runtime holds its in-flight slot until it completes; no reply.
            w.Line(method.Return == ReturnKind.Task ? $"return new {KnownNames.ValueTask}({call});" : $"return {call};");
            w.Close();
            return;
        }

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
}
