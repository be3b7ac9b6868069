using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>
/// Turns a service's methods into a <see cref="ContractModel"/>: each method parsed by <see cref="MethodParser"/>, method ids
/// checked to be unique within the service, and the shapes of every message involved collected.
/// </summary>
internal static class ContractParser
{
    /// <summary>Parses <paramref name="methods"/> (each with its first parameter's message type and id); problems go to <paramref name="diagnostics"/> under <paramref name="problemId"/>.</summary>
    public static ContractModel? Parse(
        INamedTypeSymbol contract,
        string serviceName,
        int version,
        IEnumerable<(IMethodSymbol Method, INamedTypeSymbol Request, int RequestId)> methods,
        string problemId,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        int problemsBefore = diagnostics.Count;
        var models = new List<HandlerMethodModel>();
        var messageTypes = new List<INamedTypeSymbol>();
        var methodById = new Dictionary<int, string>();
        foreach ((IMethodSymbol method, INamedTypeSymbol request, int requestId) in methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Location? location = method.Locations.FirstOrDefault();
            HandlerMethodModel? model = MethodParser.Parse(method, request, requestId, serviceName, messageTypes, out string? problem);
            if (model is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(problemId, location, method.Name, problem!));
                continue;
            }

            if (methodById.TryGetValue(model.MethodId, out string? other))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateMethodId, location, other, method.Name, model.MethodId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }

            methodById.Add(model.MethodId, method.Name);
            models.Add(model);
            messageTypes.Add(request);
        }

        if (diagnostics.Count > problemsBefore)
        {
            return null;
        }

        return new ContractModel(
            serviceName,
            version,
            models.OrderBy(static m => m.MethodId).ToEquatableArray(),
            CapabilityShapes.Collect(messageTypes, cancellationToken),
            Removed(contract, serviceName, methodById));
    }

    /// <summary>
    /// The contract's <c>[RemovedMethod]</c>s, ids derived from the service and method names as a live method's would be
    /// (or given); one whose id a live method has again is left out: the live method answers.
    /// </summary>
    private static EquatableArray<RemovedMethodModel> Removed(INamedTypeSymbol contract, string serviceName, Dictionary<int, string> live)
    {
        var removed = new List<RemovedMethodModel>();
        foreach (AttributeData attribute in contract.GetAttributes())
        {
            if (attribute.AttributeClass is not { } cls || TypeShapeParser.MetadataName(cls) != KnownNames.RemovedMethodAttribute
                || attribute.ConstructorArguments.FirstOrDefault().Value is not string { Length: > 0 } name)
            {
                continue;
            }

            int id = ReadNamedArgument(attribute, "Id") is int explicitId && explicitId > 0 ? explicitId : MethodIdHash.Derive(serviceName, name);
            if (!live.ContainsKey(id) && removed.All(r => r.MethodId != id))
            {
                removed.Add(new RemovedMethodModel(id, name, ReadNamedArgument(attribute, "Reason") as string ?? ""));
            }
        }

        return removed.OrderBy(static r => r.MethodId).ToEquatableArray();
    }

    public static object? ReadNamedArgument(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value.Value;
            }
        }

        return null;
    }
}
