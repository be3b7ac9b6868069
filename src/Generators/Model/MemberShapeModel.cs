namespace Tether.Generators.Model;

/// <summary>One member in a capability declaration.</summary>
internal sealed record MemberShapeModel(string Name, string WireType);
