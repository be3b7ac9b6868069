using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Tether.Analyzers.Support;

namespace Tether.Analyzers.Performance;

/// <summary>One method's control-flow graph, searched for receive-buffer views used after release (TETH3002).</summary>
internal sealed class BufferFlow
{
    private readonly ControlFlowGraph _graph;
    private readonly INamedTypeSymbol _readResult;
    private readonly INamedTypeSymbol _pipeReader;
    private readonly TaskTypes _tasks;
    private readonly List<Event>[] _events;
    private readonly List<(ILocalSymbol Local, IOperation Value)> _assignments = new();
    private readonly HashSet<ILocalSymbol> _views = new(SymbolEqualityComparer.Default);

    public BufferFlow(ControlFlowGraph graph, INamedTypeSymbol readResult, INamedTypeSymbol pipeReader, TaskTypes tasks)
    {
        _graph = graph;
        _readResult = readResult;
        _pipeReader = pipeReader;
        _tasks = tasks;
        _events = new List<Event>[graph.Blocks.Length];
    }

    private enum EventKind
    {
        Read,
        Write,
        Release,
    }

    public void Analyze(Action<Diagnostic> report)
    {
        foreach (BasicBlock block in _graph.Blocks)
        {
            var events = new List<Event>();
            foreach (IOperation operation in block.Operations)
            {
                Visit(operation, events);
            }

            if (block.BranchValue is { } branch)
            {
                Visit(branch, events);
            }

            _events[block.Ordinal] = events;
        }

        FindViews();
        ReportEscapes(report);
        ReportReadsAfterRelease(report);
    }

    // Post-order is evaluation order: a call's arguments are read before the call releases anything,
    // and an assignment's value is evaluated before its target is written.
    private void Visit(IOperation operation, List<Event> events)
    {
        if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment)
        {
            Visit(assignment.Value, events);
            events.Add(new Event(EventKind.Write, target.Local, target));
            _assignments.Add((target.Local, assignment.Value));
            return;
        }

        if (operation is IFlowAnonymousFunctionOperation)
        {
            return; // a lambda's body is its own graph
        }

        foreach (IOperation child in operation.ChildOperations)
        {
            Visit(child, events);
        }

        switch (operation)
        {
            case ILocalReferenceOperation local when IsViewRead(local):
                events.Add(new Event(EventKind.Read, local.Local, local));
                if (local.Parent is IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out })
                {
                    events.Add(new Event(EventKind.Write, local.Local, local));
                }

                break;
            case IInvocationOperation { TargetMethod.Name: "AdvanceTo" } invocation when DerivesFrom(invocation.TargetMethod.ContainingType, _pipeReader):
                events.Add(new Event(EventKind.Release, null, invocation));
                break;
        }
    }

    // A ReadResult local is a view only through its Buffer; IsCompleted stays readable after AdvanceTo.
    private bool IsViewRead(ILocalReferenceOperation local) =>
        !TetherSymbols.Same(local.Local.Type, _readResult)
        || local.Parent is IPropertyReferenceOperation { Property.Name: "Buffer" };

    private void FindViews()
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach ((ILocalSymbol local, IOperation value) in _assignments)
            {
                if (!_views.Contains(local) && (TetherSymbols.Same(local.Type, _readResult) || IsView(value)))
                {
                    _views.Add(local);
                    changed = true;
                }
            }
        }
    }

    // ReadResult.Buffer, a view local, or a slice/segment/span taken from one.
    private bool IsView(IOperation? value)
    {
        value = Unwrap(value);
        return value switch
        {
            IPropertyReferenceOperation { Property.Name: "Buffer" } buffer => TetherSymbols.Same(buffer.Property.ContainingType, _readResult),
            ILocalReferenceOperation local => _views.Contains(local.Local) && !TetherSymbols.Same(local.Local.Type, _readResult),
            IPropertyReferenceOperation property => IsViewType(property.Type) && IsView(property.Instance),
            IInvocationOperation call => IsViewType(call.Type) && IsView(call.Instance),
            _ => false,
        };
    }

    private static bool IsViewType(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && named.ContainingNamespace?.ToDisplayString() is "System" or "System.Buffers"
        && named.Name is "ReadOnlySequence" or "ReadOnlyMemory" or "ReadOnlySpan" or "Memory" or "Span";

    private static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private void ReportEscapes(Action<Diagnostic> report)
    {
        foreach (BasicBlock block in _graph.Blocks)
        {
            foreach (IOperation root in block.Operations)
            {
                foreach (IOperation operation in Descendants(root))
                {
                    switch (operation)
                    {
                        case IInvocationOperation call when _tasks.IsTaskLike(call.Type) && Unwrap(call.Parent) is not IAwaitOperation:
                            foreach (IArgumentOperation argument in call.Arguments)
                            {
                                if (IsView(argument.Value))
                                {
                                    report(Diagnostic.Create(Descriptors.ReceiveBufferEscapes, argument.Syntax.GetLocation(), argument.Value.Syntax.ToString(),
                                        $"escapes into '{call.TargetMethod.Name}', which is not awaited here and may still run after AdvanceTo releases it"));
                                }
                            }

                            break;
                        case ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation } store when IsView(store.Value):
                            report(Diagnostic.Create(Descriptors.ReceiveBufferEscapes, store.Syntax.GetLocation(), store.Value.Syntax.ToString(),
                                $"is stored in '{store.Target.Syntax}', beyond the read that owns it"));
                            break;
                    }
                }
            }
        }
    }

    private static IEnumerable<IOperation> Descendants(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            IOperation operation = stack.Pop();
            yield return operation;
            if (operation is IFlowAnonymousFunctionOperation)
            {
                continue;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    private void ReportReadsAfterRelease(Action<Diagnostic> report)
    {
        var reported = new HashSet<IOperation>();
        foreach (BasicBlock block in _graph.Blocks)
        {
            List<Event> events = _events[block.Ordinal];
            for (int i = 0; i < events.Count; i++)
            {
                if (events[i].Kind != EventKind.Release)
                {
                    continue;
                }

                int line = events[i].Operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                foreach (ILocalSymbol view in _views)
                {
                    foreach (IOperation read in ReadsReachedFrom(block, i + 1, view))
                    {
                        if (reported.Add(read))
                        {
                            report(Diagnostic.Create(Descriptors.ReceiveBufferEscapes, read.Syntax.GetLocation(), view.Name,
                                $"the AdvanceTo call on line {line} may already have returned to the pool"));
                        }
                    }
                }
            }
        }
    }

    // Reads of the view on some path from (block, index) before the view is assigned again.
    private List<IOperation> ReadsReachedFrom(BasicBlock start, int index, ILocalSymbol view)
    {
        var reads = new List<IOperation>();
        var visited = new HashSet<int>();
        var pending = new Stack<(BasicBlock Block, int Index)>();
        pending.Push((start, index));
        while (pending.Count > 0)
        {
            (BasicBlock block, int from) = pending.Pop();
            bool reassigned = false;
            List<Event> events = _events[block.Ordinal];
            for (int i = from; i < events.Count && !reassigned; i++)
            {
                Event e = events[i];
                if (e.Kind == EventKind.Read && TetherSymbols.Same(e.Local, view))
                {
                    reads.Add(e.Operation);
                }
                else if (e.Kind == EventKind.Write && TetherSymbols.Same(e.Local, view))
                {
                    reassigned = true;
                }
            }

            if (reassigned)
            {
                continue;
            }

            foreach (ControlFlowBranch? branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
            {
                if (branch?.Destination is { } next && visited.Add(next.Ordinal))
                {
                    pending.Push((next, 0));
                }
            }
        }

        return reads;
    }

    private static bool DerivesFrom(INamedTypeSymbol? type, INamedTypeSymbol baseType)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (TetherSymbols.Same(type, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private readonly struct Event
    {
        public Event(EventKind kind, ILocalSymbol? local, IOperation operation)
        {
            Kind = kind;
            Local = local;
            Operation = operation;
        }

        public EventKind Kind { get; }

        public ILocalSymbol? Local { get; }

        public IOperation Operation { get; }
    }
}
