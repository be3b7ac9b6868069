namespace Tether;

/// <summary>
/// Marks a method returning <see cref="ValueTask"/> or <see cref="Task"/> as one-way: callers send it without waiting for
/// a reply (as for a method returning <c>void</c>), while the handler may await (a database, a downstream call). The
/// session's in-flight limit counts it until it completes, so a slow one-way handler slows its sender instead of queueing
/// without bound.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class OneWayAttribute : Attribute
{
}
