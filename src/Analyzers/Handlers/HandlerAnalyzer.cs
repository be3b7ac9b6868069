using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Tether.Analyzers.Support;
using Tether.Generators.Model;
using Tether.Generators.Parsing;

namespace Tether.Analyzers.Handlers;

/// <summary>
/// TETH2001, 2002, 2006, 2008: a handler the generator cannot dispatch, and TETH2006, 2007, 2009: a <c>[Service]</c>
/// interface it cannot emit a client for (both found by the generator's own parsers);
/// TETH2004: a handler-shaped method whose first parameter is not a message; TETH2005: a handler with
/// nothing to dispatch; TETH2010: a handler-shaped method of a service's handler that the service does not declare.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAnalyzer : TetherAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.HandlerNotPartial,
        Descriptors.HandlerMethodNotDispatchable,
        Descriptors.DuplicateMethodId,
        Descriptors.HandlerDiffersFromService,
        Descriptors.ServiceMemberNotCallable,
        Descriptors.ServiceNotPartial,
        Descriptors.HandlerParameterNotMessage,
        Descriptors.HandlerHasNoMethods,
        Descriptors.HandlerMethodNotInService,
        Descriptors.HandlerReturnsTask);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols) =>
        context.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols), SymbolKind.NamedType);

    private static void AnalyzeType(SymbolAnalysisContext context, TetherSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind == TypeKind.Interface)
        {
            AnalyzeService(context, type, symbols);
            return;
        }

        if (TetherSymbols.FindAttribute(type, symbols.Handler) is not { } attribute
            || ParserDiagnostics.AttributedDeclaration(attribute, context.CancellationToken) is not { } declaration)
        {
            return;
        }

        ParseResult<HandlerModel> result = HandlerParser.Parse(type, declaration, attribute, context.CancellationToken);
        ParserDiagnostics.Report(context, result.Diagnostics, declaration.SyntaxTree);

        bool anyNotMessage = false;
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (HandlerParser.IsCandidate(method) && LooksLikeHandlerMethod(method, symbols)
                && method.Parameters[0].Type is INamedTypeSymbol first && !symbols.IsMessage(first) && IsUserDeclared(first))
            {
                anyNotMessage = true;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.HandlerParameterNotMessage, method.Locations.FirstOrDefault(), method.Name, first.Name));
            }
        }

        if (HandlerParser.ServiceInterfaces(type) is { Count: 1 } services)
        {
            ReportMethodsOutsideService(context, type, services[0], symbols);
        }

        if (result.Model is not { } model)
        {
            return;
        }

        if (model.Contract.Methods.Count == 0 && !anyNotMessage && model.ContractInterface.Length == 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.HandlerHasNoMethods, declaration.Identifier.GetLocation(), type.Name));
        }

        foreach (HandlerMethodModel method in model.Contract.Methods)
        {
            if (method.Return is ReturnKind.Task or ReturnKind.TaskOfT)
            {
                ReportTaskReturn(context, type, method.Name);
            }
        }
    }

    private static void AnalyzeService(SymbolAnalysisContext context, INamedTypeSymbol type, TetherSymbols symbols)
    {
        if (symbols.Service is not { } service
            || TetherSymbols.FindAttribute(type, service) is not { } attribute
            || ParserDiagnostics.AttributedDeclaration(attribute, context.CancellationToken) is not { } declaration)
        {
            return;
        }

        ParseResult<ServiceModel> result = ServiceParser.Parse(type, declaration, attribute, context.CancellationToken);
        ParserDiagnostics.Report(context, result.Diagnostics, declaration.SyntaxTree);
    }

    // A handler of a [Service] dispatches the interface's methods only: one that looks like a handler method (a message, or
    // a stream of them, first) but implements nothing is most likely a method the author forgot to declare on the interface.
    private static void ReportMethodsOutsideService(SymbolAnalysisContext context, INamedTypeSymbol type, INamedTypeSymbol service, TetherSymbols symbols)
    {
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (HandlerParser.IsCandidate(method) && LooksLikeHandlerMethod(method, symbols)
                && TypeShapeParser.TryGetRequest(method.Parameters[0].Type, out _, out _, out _)
                && !ImplementsAnInterface(type, method))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.HandlerMethodNotInService, method.Locations.FirstOrDefault(), method.Name, type.Name, service.Name));
            }
        }
    }

    // Implementing any interface (the service's, or another one the handler also serves in-process) makes it intended.
    private static bool ImplementsAnInterface(INamedTypeSymbol type, IMethodSymbol method)
    {
        foreach (INamedTypeSymbol implemented in type.AllInterfaces)
        {
            foreach (ISymbol member in implemented.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // TETH3003 sits here because the parser already knows which methods are dispatched.
    private static void ReportTaskReturn(SymbolAnalysisContext context, INamedTypeSymbol type, string name)
    {
        foreach (ISymbol member in type.GetMembers(name))
        {
            // By name, so check the overload really is the Task-returning one.
            if (member is IMethodSymbol { ReturnType: INamedTypeSymbol { Name: "Task" } returned } method && HandlerParser.IsCandidate(method)
                && returned.ContainingNamespace.ToDisplayString() == "System.Threading.Tasks"
                && method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax syntax)
            {
                string valueTask = method.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } generic
                    ? "ValueTask<" + generic.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ">"
                    : "ValueTask";
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.HandlerReturnsTask, syntax.ReturnType.GetLocation(), method.Name,
                    method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), valueTask));
            }
        }
    }

    // After its first parameter, a handler method takes only a CallContext and a CancellationToken.
    // Helpers that take anything else are left alone, which keeps TETH2004 quiet on ordinary code.
    private static bool LooksLikeHandlerMethod(IMethodSymbol method, TetherSymbols symbols)
    {
        for (int i = 1; i < method.Parameters.Length; i++)
        {
            ITypeSymbol parameter = method.Parameters[i].Type;
            if (!TetherSymbols.Same(parameter, symbols.CallContext) && !TetherSymbols.Same(parameter, symbols.CancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    // A record, class or struct of the user's own: the type they most likely meant to mark [Message].
    private static bool IsUserDeclared(INamedTypeSymbol type) =>
        type.TypeKind is TypeKind.Class or TypeKind.Struct
        && type.SpecialType == SpecialType.None
        && type.Locations.Any(static l => l.IsInSource);
}
