using Microsoft.CodeAnalysis;

namespace Tether.Analyzers.Support;

/// <summary>Task, ValueTask and their generic forms of one compilation.</summary>
internal sealed class TaskTypes
{
    private readonly INamedTypeSymbol? _task;
    private readonly INamedTypeSymbol? _taskOfT;
    private readonly INamedTypeSymbol? _valueTask;
    private readonly INamedTypeSymbol? _valueTaskOfT;

    public TaskTypes(Compilation compilation)
    {
        _task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        Task = _task;
        _taskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        _valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
    }

    public INamedTypeSymbol? Task { get; }

    /// <summary>Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type) =>
        type is INamedTypeSymbol named
        && (TetherSymbols.Same(named.OriginalDefinition, _task) || TetherSymbols.Same(named.OriginalDefinition, _taskOfT)
            || TetherSymbols.Same(named.OriginalDefinition, _valueTask) || TetherSymbols.Same(named.OriginalDefinition, _valueTaskOfT));
}
