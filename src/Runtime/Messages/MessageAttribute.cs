namespace Tether;

/// <summary>
/// Marks a <c>partial</c> record, record struct or class as a Tether message. The source generator
/// emits a static, reflection-free codec for it and implements <see cref="IMessage{TSelf}"/>.
/// </summary>
/// <remarks>
/// Members are encoded in declaration order. To evolve a message, only append members: old readers
/// skip unknown trailing members and new readers default missing ones (see <c>docs/wire-format.md</c>).
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class MessageAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="id">The message id: unique in its assembly and stable on the wire. Must be in 1..<see cref="MaxId"/>.</param>
    public MessageAttribute(int id) => Id = id;

    /// <summary>The largest id a user message may take; ids above it are reserved for the framework.</summary>
    public const int MaxId = 0x3FFF_FFFF;

    /// <summary>The message id on the wire.</summary>
    public int Id { get; }
}
