namespace Tether.Generators.Model;

/// <summary>A type declaration header to re-open as <c>partial</c>, e.g. <c>partial record struct Order</c>.</summary>
/// <param name="Keyword">class, struct, record, record struct or interface.</param>
/// <param name="Name">Name with any type parameter list.</param>
internal sealed record TypeDeclaration(string Keyword, string Name);
