using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tether.Analyzers.Support;

/// <summary>
/// Base of the rules that only apply where Tether is referenced: concurrent, blind to generated code, and
/// with Tether's types resolved once per compilation (nothing is registered when Tether is absent).
/// </summary>
public abstract class TetherAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (TetherSymbols.From(start.Compilation) is { } symbols)
            {
                OnCompilationStart(start, symbols);
            }
        });
    }

    /// <summary>Registers the rule's symbol and operation actions for a compilation that references Tether.</summary>
    private protected abstract void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols);
}
