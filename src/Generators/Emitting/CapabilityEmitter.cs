using System.Collections.Generic;
using System.Linq;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>Emits a contract's capability declaration: a <c>ServiceDescriptor</c> built once, from static data.</summary>
internal static class CapabilityEmitter
{
    /// <summary>Writes <c>new ServiceDescriptor(...)</c> as the initializer of the declaration <paramref name="declaration"/>.</summary>
    public static void Emit(SourceWriter w, string declaration, ContractModel contract, EquatableArray<MethodAccessModel> access = default)
    {
        w.Line($"{declaration} = new(");
        w.Line($"    {Literal(contract.ServiceName)},");
        w.Line($"    {contract.Version},");
        w.Line($"    new {KnownNames.MethodDescriptor}[]");
        w.Line("    {");
        foreach (HandlerMethodModel method in contract.Methods)
        {
            MethodAccessModel? rules = access.FirstOrDefault(a => a.MethodId == method.MethodId);
            var setters = new System.Collections.Generic.List<string>();
            if (rules is not null && !rules.HasNoAccessRule)
            {
                setters.Add($"Access = {Access(rules)}");
            }

            if (rules is { Filters.Count: > 0 })
            {
                setters.Add($"Filters = new {KnownNames.CallFilterType}[] {{ {string.Join(", ", rules.Filters.Select(static f => $"{KnownNames.CallFilterType}.Of<{f}>()"))} }}");
            }

            if (method.Deprecation is not null)
            {
                setters.Add($"Deprecation = {Literal(method.Deprecation)}");
            }

            if (method.Version != 1)
            {
                setters.Add($"Version = {method.Version}");
            }

            if (method.Idempotent)
            {
                setters.Add("IsIdempotent = true");
            }

            string init = setters.Count == 0 ? "" : $" {{ {string.Join(", ", setters)} }}";
            w.Line($"        new({method.MethodId}, {Literal(method.Name)}, {KnownNames.MethodKind}.{Kind(method)}, {method.RequestId}, {method.ResponseId}){init},");
        }

        w.Line("    },");
        w.Line($"    new {KnownNames.MessageShape}[]");
        w.Line("    {");
        foreach (MessageShapeModel message in contract.Messages)
        {
            string members = string.Join(", ", message.Members.Select(static m => $"new({Literal(m.Name)}, {Literal(m.WireType)}{Enums(m.Enums)})"));
            // The CLR name as people write it (no global:: alias): tools show it.
            w.Line($"        new({message.Id}, {Literal(message.TypeName.Replace("global::", ""))}, new {KnownNames.MemberShape}[] {{ {members} }}),");
        }

        if (contract.Removed.Count == 0)
        {
            w.Line("    });");
            return;
        }

        w.Line("    })");
        w.Line("{");
        w.Line($"    RemovedMethods = new {KnownNames.RemovedMethod}[]");
        w.Line("    {");
        foreach (RemovedMethodModel removed in contract.Removed)
        {
            w.Line($"        new({removed.MethodId}, {Literal(removed.Name)}, {Literal(removed.Reason)}),");
        }

        w.Line("    },");
        w.Line("};");
    }

    // new MethodAccess(allowAnonymous, new IAuthorizeData[] { new AuthorizeAttribute { Policy = ..., Roles = ... } }, policy, weight)
    private static string Access(MethodAccessModel rules)
    {
        string authorize = string.Join(", ", rules.Authorize.Select(static a =>
        {
            var setters = new System.Collections.Generic.List<string>();
            if (a.Policy.Length > 0)
            {
                setters.Add($"Policy = {Literal(a.Policy)}");
            }

            if (a.Roles.Length > 0)
            {
                setters.Add($"Roles = {Literal(a.Roles)}");
            }

            if (a.Schemes.Length > 0)
            {
                setters.Add($"AuthenticationSchemes = {Literal(a.Schemes)}");
            }

            return $"new {KnownNames.AuthorizeAttributeType} {{ {string.Join(", ", setters)} }}";
        }));
        string policy = rules.RateLimitPolicy.Length > 0 ? Literal(rules.RateLimitPolicy) : "null";
        return $"new {KnownNames.MethodAccess}({(rules.AllowAnonymous ? "true" : "false")}, new {KnownNames.IAuthorizeData}[] {{ {authorize} }}, {policy}, {rules.RateLimitWeight})";
    }

    private static string Kind(HandlerMethodModel method) => method switch
    {
        { OneWay: true } => "OneWay",
        { InputStream: true, Return: ReturnKind.AsyncEnumerable } => "BidirectionalStreaming",
        { InputStream: true } => "ClientStreaming",
        { Return: ReturnKind.AsyncEnumerable } => "ServerStreaming",
        _ => "Unary",
    };

    // ", new EnumShape[] { new("Shop.Side", false, new string[] { "Buy", "Sell" }, new long[] { 0L, 1L }) }", or nothing.
    private static string Enums(EquatableArray<EnumShapeModel> enums)
    {
        if (enums.Count == 0)
        {
            return "";
        }

        IEnumerable<string> shapes = enums.Select(static e =>
            $"new({Literal(e.TypeName)}, {(e.IsFlags ? "true" : "false")}, new string[] {{ {string.Join(", ", e.Names.Select(Literal))} }}, "
            + $"new long[] {{ {string.Join(", ", e.Values.Select(static v => v == long.MinValue ? "long.MinValue" : v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L"))} }})");
        return $", new {KnownNames.EnumShape}[] {{ {string.Join(", ", shapes)} }}";
    }

    public static string Literal(string value) =>
        Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
}
