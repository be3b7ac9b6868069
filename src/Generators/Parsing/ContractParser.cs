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
            CapabilityShapes.Collect(messageTypes, cancellationToken));
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
