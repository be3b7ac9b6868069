using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Tether.Analyzers.Support;
using Tether.Generators.Parsing;
using Tether.Generators.Shared;

namespace Tether.Analyzers.Messages;

/// <summary>
/// TETH1009: a mutable reference-type message handed to a send that may encode it after returning
/// (<c>TetherPeer.SendAsync</c> and <c>TetherServer.SendToAsync</c> wait for send-queue space first).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MutableMessageSendAnalyzer : TetherAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MutableMessageSent);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols)
    {
        // The sends that encode later. Requests, TrySend and broadcasts encode before they return.
        ImmutableHashSet<IMethodSymbol> deferred = Methods(symbols.Peer, "SendAsync").Union(Methods(symbols.Server, "SendToAsync"));
        if (deferred.IsEmpty)
        {
            return;
        }

        var assignable = new ConcurrentDictionary<ITypeSymbol, string>(SymbolEqualityComparer.Default);
        context.RegisterOperationAction(
            operationContext =>
            {
                var invocation = (IInvocationOperation)operationContext.Operation;
                IMethodSymbol target = invocation.TargetMethod;
                if (!deferred.Contains(target.OriginalDefinition) || target.TypeArguments.Length != 1
                    || target.TypeArguments[0] is not INamedTypeSymbol { IsReferenceType: true } message)
                {
                    return;
                }

                string member = assignable.GetOrAdd(message, static type => FindAssignableMember(type) ?? string.Empty);
                IArgumentOperation? argument = invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, target.TypeArguments[0]));
                if (member.Length > 0 && argument is not null)
                {
                    operationContext.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MutableMessageSent, argument.Syntax.GetLocation(), message.Name, member, target.ContainingType.Name + "." + target.Name));
                }
            },
            OperationKind.Invocation);
    }

    private static ImmutableHashSet<IMethodSymbol> Methods(INamedTypeSymbol? type, string name) =>
        type is null
            ? ImmutableHashSet<IMethodSymbol>.Empty
            : type.GetMembers(name).OfType<IMethodSymbol>().ToImmutableHashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

    // An encoded member the sender can still assign: a settable (not init) property or a writable field.
    private static string? FindAssignableMember(ITypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared
                || member.GetAttributes().Any(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MessageIgnoreAttribute))
            {
                continue;
            }

            bool assignable = member switch
            {
                IPropertySymbol { SetMethod: { IsInitOnly: false } setter } => setter.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal,
                IFieldSymbol field => !field.IsReadOnly && !field.IsConst,
                _ => false,
            };
            if (assignable)
            {
                return member.Name;
            }
        }

        return null;
    }
}
