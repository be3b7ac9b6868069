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
}
