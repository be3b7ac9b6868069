namespace Tether;

/// <summary>
/// Keeps a public method of a <see cref="HandlerAttribute">handler</see> out of its dispatch table, for a
/// helper whose first parameter happens to be a message (for example <c>bool TryNext(out Line line)</c>
/// overloads or a <c>Format(Order order)</c> helper).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class HandlerIgnoreAttribute : Attribute
{
}
