using System.Linq;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>Emits a contract's capability declaration: a <c>ServiceDescriptor</c> built once, from static data.</summary>
internal static class CapabilityEmitter
{
    /// <summary>Writes <c>new ServiceDescriptor(...)</c> as the initializer of the declaration <paramref name="declaration"/>.</summary>
    public static void Emit(SourceWriter w, string declaration, ContractModel contract)
    {
        w.Line($"{declaration} = new(");
        w.Line($"    {Literal(contract.ServiceName)},");
        w.Line($"    {contract.Version},");
        w.Line($"    new {KnownNames.MethodDescriptor}[]");
        w.Line("    {");
        foreach (HandlerMethodModel method in contract.Methods)
        {
            w.Line($"        new({method.MethodId}, {Literal(method.Name)}, {KnownNames.MethodKind}.{Kind(method)}, {method.RequestId}, {method.ResponseId}),");
        }

        w.Line("    },");
        w.Line($"    new {KnownNames.MessageShape}[]");
        w.Line("    {");
        foreach (MessageShapeModel message in contract.Messages)
        {
            string members = string.Join(", ", message.Members.Select(static m => $"new({Literal(m.Name)}, {Literal(m.WireType)})"));
            w.Line($"        new({message.Id}, {Literal(message.TypeName)}, new {KnownNames.MemberShape}[] {{ {members} }}),");
        }

        w.Line("    });");
    }

    private static string Kind(HandlerMethodModel method) =>
        method.OneWay ? "OneWay" : method.Return == ReturnKind.AsyncEnumerable ? "ServerStreaming" : "Unary";

    public static string Literal(string value) =>
        Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
}
