using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Turns an interface marked <c>[Service]</c> into a <see cref="ServiceModel"/> or diagnostics.</summary>
/// <remarks>
/// Every instance member is part of the contract, so each must be a method some kind fits (TETH2007); static members
/// (helpers, and what the generator emits) are left alone.
/// </remarks>
internal static class ServiceParser
{
    public static ParseResult<ServiceModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], cancellationToken);

    /// <summary>Parses one declaration of a service interface (the analyzer calls this with the symbol it is given).</summary>
    public static ParseResult<ServiceModel> Parse(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData attribute, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (!Declarations.AllPartial(syntax))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.ServiceNotPartial, syntax.Identifier.GetLocation(), type.Name));
        }

        ContractModel? contract = ParseContract(type, attribute, diagnostics, cancellationToken);
        if (contract is null || diagnostics.Count > 0)
        {
            return new(null, diagnostics.ToEquatableArray());
        }

        var service = new ServiceModel(
            Declarations.Namespace(type),
            Declarations.HintName(type, "Service"),
            Declarations.Describe(syntax),
            TypeShapeParser.TypeName(type),
            Declarations.ContainingTypes(syntax),
            contract);
        return new(service, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The contract a service interface declares (also read by the parser of a handler that implements it).</summary>
    public static ContractModel? ParseContract(INamedTypeSymbol type, AttributeData attribute, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        string serviceName = ContractParser.ReadNamedArgument(attribute, "Name") as string ?? DefaultServiceName(type.Name);
        int version = ContractParser.ReadNamedArgument(attribute, "Version") is int v ? v : 1;
        var methods = new List<(IMethodSymbol, INamedTypeSymbol, int)>();
        foreach (ISymbol member in ContractMembers(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Location? location = member.Locations.FirstOrDefault();
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
            {
                if (member is IPropertySymbol or IEventSymbol)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.ServiceMemberNotCallable, location, member.Name,
                        "a service declares only methods (a property or event cannot be called over the wire)"));
                }

                continue;
            }

            if (method.Parameters.Length == 0 || !TypeShapeParser.TryGetRequest(method.Parameters[0].Type, out INamedTypeSymbol? request, out int requestId, out _))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.ServiceMemberNotCallable, location, method.Name,
                    "its first parameter is not a [Message] type or an IAsyncEnumerable<T> of one; a service method takes one message (or a stream of them) first"));
                continue;
            }

            methods.Add((method, request!, requestId));
        }

        return ContractParser.Parse(type, serviceName, version, methods, DiagnosticIds.ServiceMemberNotCallable, diagnostics, cancellationToken);
    }

    /// <summary>The instance members of a service interface and the interfaces it extends, in declaration order.</summary>
    public static IEnumerable<ISymbol> ContractMembers(INamedTypeSymbol type) =>
        new[] { type }.Concat(type.AllInterfaces)
            .SelectMany(static t => t.GetMembers())
            .Where(static m => !m.IsStatic && !m.IsImplicitlyDeclared && m.Kind != SymbolKind.NamedType);

    /// <summary><c>IOrders</c> → <c>Orders</c>; a name that is not <c>I</c> then a capital stays as it is.</summary>
    private static string DefaultServiceName(string name) =>
        name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]) ? name.Substring(1) : name;
}
