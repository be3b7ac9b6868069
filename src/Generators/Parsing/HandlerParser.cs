using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Turns a class marked <c>[Handler]</c> into a <see cref="HandlerModel"/> or diagnostics.</summary>
/// <remarks>
/// A handler that implements a <c>[Service]</c> interface dispatches that interface's methods. Otherwise it is its own
/// contract: every public instance method whose first parameter is a message is a handler method, unless marked
/// <c>[HandlerIgnore]</c>; other methods are helpers and are left alone.
/// </remarks>
internal static class HandlerParser
{
    public static ParseResult<HandlerModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], cancellationToken);

    /// <summary>Parses one declaration of a handler class (the analyzer calls this with the symbol it is given).</summary>
    public static ParseResult<HandlerModel> Parse(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData attribute, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (!Declarations.AllPartial(syntax))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerNotPartial, syntax.Identifier.GetLocation(), type.Name));
        }

        List<INamedTypeSymbol> services = ServiceInterfaces(type);
        INamedTypeSymbol? service = services.Count == 1 ? services[0] : null;
        ContractModel? contract;
        string contractInterface = string.Empty;
        if (services.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerDiffersFromService, syntax.Identifier.GetLocation(), type.Name,
                string.Join("', '", services.Select(static s => s.Name)),
                "it implements more than one [Service] interface; a handler serves one service (split it, one handler per service)"));
            contract = null;
        }
        else if (services.Count == 1)
        {
            contract = ParseServiceImplementation(type, services[0], syntax, diagnostics, cancellationToken);
            contractInterface = TypeShapeParser.TypeName(services[0]);
        }
        else
        {
            string serviceName = ContractParser.ReadNamedArgument(attribute, "ServiceName") as string ?? DefaultServiceName(type.Name);
            int version = ContractParser.ReadNamedArgument(attribute, "Version") is int v ? v : 1;
            contract = ContractParser.Parse(type, serviceName, version, OwnMethods(type), DiagnosticIds.HandlerMethodNotDispatchable, diagnostics, cancellationToken);
        }

        if (contract is null || diagnostics.Count > 0)
        {
            return new(null, diagnostics.ToEquatableArray());
        }

        var handler = new HandlerModel(
            Declarations.Namespace(type),
            Declarations.HintName(type, "Dispatch"),
            Declarations.Describe(syntax),
            TypeShapeParser.TypeName(type),
            Declarations.ContainingTypes(syntax),
            contract,
            contractInterface,
            AccessParser.Parse(type, service, contract) is var access && access.AsSpan().ToArray().All(static a => a.IsEmpty) ? default : access);
        return new(handler, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The <c>[Service]</c> interfaces <paramref name="type"/> implements.</summary>
    public static List<INamedTypeSymbol> ServiceInterfaces(INamedTypeSymbol type) =>
        type.AllInterfaces.Where(static i => i.GetAttributes().Any(static a => a.AttributeClass is { } cls
            && TypeShapeParser.MetadataName(cls) == KnownNames.ServiceAttribute)).ToList();

    // A handler that is its own contract: every public instance method whose first parameter is a message (or a stream of one).
    private static IEnumerable<(IMethodSymbol, INamedTypeSymbol, int)> OwnMethods(INamedTypeSymbol type)
    {
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (IsCandidate(method) && TypeShapeParser.TryGetRequest(method.Parameters[0].Type, out INamedTypeSymbol? request, out int requestId, out _))
            {
                yield return (method, request!, requestId);
            }
        }
    }

    // A handler of a [Service] interface dispatches exactly the interface's methods (its other methods are helpers). Its
    // implementations may not say something else about a method than the interface does.
    private static ContractModel? ParseServiceImplementation(INamedTypeSymbol type, INamedTypeSymbol service, TypeDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        AttributeData attribute = service.GetAttributes().First(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.ServiceAttribute);

        // The interface's own problems are reported on the interface; here they only stop the handler from being emitted.
        ContractModel? contract = ServiceParser.ParseContract(service, attribute, [], cancellationToken);
        if (contract is null)
        {
            return null;
        }

        foreach (IMethodSymbol declared in ServiceParser.ContractMembers(service).OfType<IMethodSymbol>())
        {
            if (type.FindImplementationForInterfaceMember(declared) is not IMethodSymbol implementation
                || !SymbolEqualityComparer.Default.Equals(implementation.ContainingType, type))
            {
                continue;
            }

            Location location = implementation.Locations.FirstOrDefault() ?? syntax.Identifier.GetLocation();
            int ownId = MethodParser.ExplicitId(implementation);
            if (ownId != 0 && ownId != MethodParser.ExplicitId(declared))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerDiffersFromService, location, type.Name, service.Name,
                    $"'{implementation.Name}' sets [Method(Id = {ownId})], which its interface does not; set method ids on the interface"));
            }

            if (MethodParser.HasAttribute(implementation, KnownNames.OneWayAttribute) && !MethodParser.HasAttribute(declared, KnownNames.OneWayAttribute))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerDiffersFromService, location, type.Name, service.Name,
                    $"'{implementation.Name}' is marked [OneWay] but its interface method is not, so callers wait for a reply; mark the interface method"));
            }
        }

        return contract;
    }

    /// <summary>
    /// Whether a method is one the dispatcher would consider: public, instance, ordinary, with at least
    /// one parameter and no <c>[HandlerIgnore]</c>. It handles a message when its first parameter is one.
    /// </summary>
    public static bool IsCandidate(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Ordinary && !method.IsStatic && method.DeclaredAccessibility == Accessibility.Public
        && method.Parameters.Length > 0
        && !method.GetAttributes().Any(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.HandlerIgnoreAttribute);

    private static string DefaultServiceName(string typeName) =>
        typeName.Length > "Handler".Length && typeName.EndsWith("Handler", System.StringComparison.Ordinal)
            ? typeName.Substring(0, typeName.Length - "Handler".Length)
            : typeName;
}
