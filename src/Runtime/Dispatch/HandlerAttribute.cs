namespace Tether;

/// <summary>
/// Marks a <c>partial</c> class whose methods handle calls. The source generator emits a dispatch table (a switch on
/// method id with direct calls) and a capability declaration, and implements <see cref="IMessageHandler{TSelf}"/>.
/// When the class implements a <see cref="ServiceAttribute">[Service]</see> interface, it dispatches exactly that
/// interface's methods; otherwise it is its own contract and gets a nested <c>Client</c>.
/// </summary>
/// <remarks>
/// A handler method takes a message first, then optionally a <see cref="CallContext"/> and a
/// <see cref="CancellationToken"/>, and returns <c>void</c> (one-way), <see cref="ValueTask"/> or
/// <see cref="Task"/> (unary, empty reply), <see cref="ValueTask{TResult}"/> or <see cref="Task{TResult}"/>
/// (unary) or <see cref="IAsyncEnumerable{T}"/> (server streaming), where results are messages; <see cref="OneWayAttribute">[OneWay]</see>
/// makes a <see cref="ValueTask"/> or <see cref="Task"/> method one-way.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class HandlerAttribute : Attribute
{
    /// <summary>The service name in capability declarations.</summary>
    /// <remarks>Defaults to the class name without a trailing <c>Handler</c>.</remarks>
    public string? ServiceName { get; set; }

    /// <summary>The service version in capability declarations.</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int Version { get; set; } = 1;
}
