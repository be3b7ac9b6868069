namespace Tether;

/// <summary>
/// Marks a <c>partial</c> interface as a service contract, for an assembly that both sides reference. The source
/// generator emits its typed client (<c>IOrders.Client</c>) and capability declaration there; a
/// <see cref="HandlerAttribute">handler</see> class that implements the interface gets the dispatch table.
/// </summary>
/// <remarks>
/// Each method takes a message first, then optionally a <see cref="CallContext"/> (handler side only) and a
/// <see cref="CancellationToken"/>, and returns <c>void</c> or a <see cref="OneWayAttribute">[OneWay]</see>
/// <see cref="ValueTask"/>/<see cref="Task"/> (one-way), <see cref="ValueTask"/>/<see cref="Task"/> (unary, empty reply),
/// <see cref="ValueTask{TResult}"/>/<see cref="Task{TResult}"/> of a message (unary) or <see cref="IAsyncEnumerable{T}"/>
/// of a message (server streaming).
/// </remarks>
[AttributeUsage(AttributeTargets.Interface, Inherited = false, AllowMultiple = false)]
public sealed class ServiceAttribute : Attribute
{
    /// <summary>The service name in capability declarations and derived method ids.</summary>
    /// <remarks>Defaults to the interface name without its leading <c>I</c> (<c>IOrders</c> → <c>Orders</c>).</remarks>
    public string? Name { get; set; }

    /// <summary>The service version in capability declarations.</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int Version { get; set; } = 1;
}
