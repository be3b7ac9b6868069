namespace Tether.Generators.Model;

/// <summary>One encoded member of a message, in wire order.</summary>
/// <param name="Name">Property or field name.</param>
/// <param name="Shape">Its wire shape.</param>
/// <param name="ConstructorIndex">Position in the constructor used to build the message, or -1 when set by initializer.</param>
internal sealed record MemberModel(string Name, TypeShape Shape, int ConstructorIndex);
