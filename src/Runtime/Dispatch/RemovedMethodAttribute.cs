namespace Tether;

/// <summary>
/// Declares that the service used to have method <see cref="Name"/>: a caller built against an older contract that
/// still calls it gets <see cref="TetherErrorCode.MethodRemoved"/> with <see cref="Reason"/>, not an unknown-method
/// error. Put it on the <c>[Service]</c> interface (or a <c>[Handler]</c> class that is its own contract) when you
/// delete a method; keep it as long as old callers may be out there.
/// </summary>
/// <param name="name">The removed method's name (its id is derived from the service and this name, as it was).</param>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class RemovedMethodAttribute(string name) : Attribute
{
    /// <summary>The removed method's name.</summary>
    public string Name { get; } = name;

    /// <summary>The removed method's id, when it was pinned with <c>[Method(Id = n)]</c>; 0 to derive it from the name.</summary>
    public int Id { get; set; }

    /// <summary>What to call instead, or why it went; sent to the caller.</summary>
    public string? Reason { get; set; }
}
