namespace Tether;

/// <summary>Excludes a property or field of a <see cref="MessageAttribute">message</see> from its encoding.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class MessageIgnoreAttribute : Attribute
{
}
