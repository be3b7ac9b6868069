namespace Tether;

/// <summary>One method in a <see cref="ServiceDescriptor"/>.</summary>
/// <param name="Id">
/// The method's id on the wire: what a request or one-way frame names to call it. Explicit (<see cref="MethodAttribute.Id"/>)
/// or derived from the service and method names (<see cref="MethodIds.Derive"/>); never 0.
/// </param>
/// <param name="Name">Method name.</param>
/// <param name="Kind">How it exchanges messages.</param>
/// <param name="RequestMessageId">Id of the message it takes.</param>
/// <param name="ResponseMessageId">Id of the message it returns (or streams), or 0 when it returns none.</param>
public sealed record MethodDescriptor(int Id, string Name, MethodKind Kind, int RequestMessageId, int ResponseMessageId)
{
    /// <summary>The service that declares the method (empty for a descriptor made on its own, outside a <see cref="ServiceDescriptor"/>).</summary>
    public string ServiceName { get; private set; } = "";

    /// <summary><c>Service/Method</c>: how metrics, traces and logs name the method (just the method's name outside a service).</summary>
    public string FullName { get; private set; } = Name;

    /// <summary>
    /// Who may call the method and its rate-limit policy, as the generator read them from the handler's attributes
    /// (<see cref="Security.MethodAccess"/>); null when it declares none. Set on a handler's own descriptor only: a
    /// service interface's descriptor describes the contract, not a server's rules.
    /// </summary>
    public Security.MethodAccess? Access { get; init; }

    /// <summary>Null, or why the method is deprecated: the text of its <c>[Obsolete]</c> (empty when it gives none). Introspection reports it to tools.</summary>
    public string? Deprecation { get; init; }

    /// <summary>The method's version (<see cref="MethodAttribute.Version"/>; 1 when not given).</summary>
    public int Version { get; init; } = 1;

    /// <summary>
    /// The call filters the method names with <see cref="CallFilterAttribute{TFilter}"/> (on itself, its class or its
    /// service interface), outermost first; they run inside the filters added to the server. Set on a handler's own
    /// descriptor only; empty when it names none.
    /// </summary>
    public IReadOnlyList<CallFilterType> Filters { get; init; } = [];

    /// <summary>The method is marked <see cref="MethodAttribute.Idempotent"/>: its calls are retried under the client's <see cref="RetryPolicy"/>, each with an idempotency key.</summary>
    public bool IsIdempotent { get; init; }

    internal static IReadOnlyList<MethodDescriptor> AttachAll(string serviceName, IReadOnlyList<MethodDescriptor> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        foreach (MethodDescriptor method in methods)
        {
            // Computed once here so a call never builds the name.
            method.ServiceName = serviceName;
            method.FullName = serviceName + "/" + method.Name;
        }

        return methods;
    }
}
