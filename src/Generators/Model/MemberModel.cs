namespace Tether.Generators.Model;

/// <summary>One encoded member of a message, in wire order.</summary>
/// <param name="Name">Property or field name.</param>
/// <param name="Shape">Its wire shape.</param>
/// <param name="ConstructorIndex">Position in the constructor used to build the message, or -1 when set by initializer.</param>
/// <param name="AbsentValue">
/// A C# constant expression for the constructor parameter's default value (<c>int Stock = 5</c>), which a message written
/// before the member existed decodes to; null when the parameter has none or its default is <c>default(T)</c>.
/// </param>
/// <param name="HasInitializer">
/// A member set after construction that declares an initializer (<c>{ get; init; } = 5</c>): a message written before it
/// existed must leave it to the initializer rather than set it to <c>default(T)</c>.
/// </param>
internal sealed record MemberModel(string Name, TypeShape Shape, int ConstructorIndex, string? AbsentValue, bool HasInitializer);
