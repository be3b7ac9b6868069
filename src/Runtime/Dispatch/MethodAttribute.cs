namespace Tether;

/// <summary>Sets how a method of a <see cref="ServiceAttribute">service</see> or <see cref="HandlerAttribute">handler</see> appears on the wire.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class MethodAttribute : Attribute
{
    /// <summary>The method's wire id: any positive number, unique among the services a server hosts.</summary>
    /// <remarks>
    /// Defaults to 0, meaning derived from the service and method names (<see cref="MethodIds.Derive"/>). Set it
    /// to keep a method's id when renaming it or its service, since peers call methods by id.
    /// </remarks>
    public int Id { get; set; }

    /// <summary>
    /// The method's version, 1 when not given: raise it when the method's behaviour or messages change in a compatible
    /// way (appended members), so a caller can see which revision a server runs (introspection, <c>tether inspect</c>).
    /// </summary>
    public int Version { get; set; } = 1;

    /// <summary>
    /// Running the method twice with the same request has the effect of running it once, so a client may retry it:
    /// generated clients retry such a method's unary calls under <see cref="TetherClientOptions.Retry"/> and attach an
    /// idempotency key to each, with which the server answers a repeat from the first call's result instead of running the
    /// handler again; its server streams are retried until their first item arrives (the handler runs again for each
    /// attempt) (<c>docs/decisions/0022-retries-and-idempotency-keys.md</c>). False when not given.
    /// </summary>
    public bool Idempotent { get; set; }
}
