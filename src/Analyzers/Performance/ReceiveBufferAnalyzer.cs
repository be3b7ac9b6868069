using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Tether.Analyzers.Support;

namespace Tether.Analyzers.Performance;

/// <summary>
/// TETH3002: a view of <c>ReadResult.Buffer</c> (the sequence, or a slice, segment or span of it) read
/// after <c>PipeReader.AdvanceTo</c> may have returned its memory to the pool, handed to an asynchronous
/// call that is not awaited on the spot, or stored in a field.
/// </summary>
/// <remarks>
/// "After" follows the control-flow graph: a read is reported only when some path leads from the
/// <c>AdvanceTo</c> to it without the local being assigned again, so the usual
/// <c>if (!TryParse(...)) { reader.AdvanceTo(...); continue; }</c> loop is not flagged. The graph is only
/// built for methods that touch <c>ReadResult.Buffer</c>.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReceiveBufferAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.ReceiveBufferEscapes);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? readResult = start.Compilation.GetTypeByMetadataName("System.IO.Pipelines.ReadResult");
            INamedTypeSymbol? pipeReader = start.Compilation.GetTypeByMetadataName("System.IO.Pipelines.PipeReader");
            if (readResult is null || pipeReader is null)
            {
                return;
            }

            var tasks = new TaskTypes(start.Compilation);
            start.RegisterOperationBlockStartAction(blockStart =>
            {
                if (blockStart.OwningSymbol is not IMethodSymbol)
                {
                    return;
                }

                bool touchesBuffer = false;
                blockStart.RegisterOperationAction(
                    operationContext =>
                    {
                        var reference = (IPropertyReferenceOperation)operationContext.Operation;
                        if (reference.Property.Name == "Buffer" && TetherSymbols.Same(reference.Property.ContainingType, readResult))
                        {
                            touchesBuffer = true;
                        }
                    },
                    OperationKind.PropertyReference);
                blockStart.RegisterOperationBlockEndAction(blockEnd =>
                {
                    if (!touchesBuffer)
                    {
                        return;
                    }

                    foreach (IOperation block in blockEnd.OperationBlocks)
                    {
                        if (block is IMethodBodyOperation or IBlockOperation && blockEnd.GetControlFlowGraph(block) is { } graph)
                        {
                            new BufferFlow(graph, readResult, pipeReader, tasks).Analyze(blockEnd.ReportDiagnostic);
                        }
                    }
                });
            });
        });
    }
}
