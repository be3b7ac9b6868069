using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Tether.Analyzers.Support;

namespace Tether.Analyzers.Performance;

/// <summary>
/// TETH3001: <c>.Result</c>, <c>.Wait()</c>, <c>GetAwaiter().GetResult()</c>, <c>Task.WaitAll/WaitAny</c> or
/// <c>Thread.Sleep</c> anywhere in a <c>[Handler]</c> class. Handlers start on the connection's receive
/// loop, so a blocked thread there stalls every call on the connection.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : TetherAnalyzer
{
    /// <summary>Property name the code fix reads to know which blocking form it is looking at.</summary>
    public const string KindProperty = "Kind";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.BlockingCallInHandler);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols)
    {
        INamedTypeSymbol? thread = context.Compilation.GetTypeByMetadataName("System.Threading.Thread");

        // Only handler classes get operation callbacks: the rest of the compilation costs nothing.
        context.RegisterSymbolStartAction(
            symbolStart =>
            {
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                if (!symbols.IsHandler(type))
                {
                    return;
                }

                symbolStart.RegisterOperationAction(
                    operationContext => AnalyzeResult(operationContext, symbols, type),
                    OperationKind.PropertyReference);
                symbolStart.RegisterOperationAction(
                    operationContext => AnalyzeInvocation(operationContext, symbols, thread, type),
                    OperationKind.Invocation);
            },
            SymbolKind.NamedType);
    }

    private static void AnalyzeResult(OperationAnalysisContext context, TetherSymbols symbols, INamedTypeSymbol handler)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name == "Result" && reference.Instance is { Type: { } type } && symbols.Tasks.IsTaskLike(type))
        {
            Report(context, handler, BlockingKind.Result, type.Name + ".Result");
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, TetherSymbols symbols, INamedTypeSymbol? thread, INamedTypeSymbol handler)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        INamedTypeSymbol owner = method.ContainingType;
        switch (method.Name)
        {
            case "Wait" when !method.IsStatic && symbols.Tasks.IsTaskLike(owner):
                // Wait(timeout) returns a bool the rewrite would lose, so only Wait() is fixable.
                Report(context, handler, invocation.Arguments.Length == 0 ? BlockingKind.Wait : BlockingKind.Other, owner.Name + ".Wait()");
                break;
            case "WaitAll" or "WaitAny" when method.IsStatic && TetherSymbols.Same(owner, symbols.Tasks.Task):
                Report(context, handler, BlockingKind.Other, "Task." + method.Name + "()");
                break;
            case "GetResult" when owner.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
                && owner.ContainingNamespace.ToDisplayString() == "System.Runtime.CompilerServices":
                Report(context, handler, BlockingKind.GetResult, "GetAwaiter().GetResult()");
                break;
            case "Sleep" when TetherSymbols.Same(owner, thread):
                Report(context, handler, BlockingKind.Sleep, "Thread.Sleep()");
                break;
        }
    }

    private static void Report(OperationAnalysisContext context, INamedTypeSymbol handler, BlockingKind kind, string what) =>
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.BlockingCallInHandler,
            context.Operation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind.ToString()),
            what,
            handler.Name));
}
