namespace Tether.Generators.Model;

/// <summary>The wire shape of a member type, recursively.</summary>
/// <remarks>Value-equatable: strings, numbers and nested shapes only; never an <c>ISymbol</c>.</remarks>
/// <param name="Kind">What kind of value.</param>
/// <param name="TypeName">The C# type, fully qualified with <c>global::</c>.</param>
/// <param name="Element">Element of a collection, value of a dictionary, inner of a nullable, underlying of an enum.</param>
/// <param name="Key">Key of a dictionary.</param>
/// <param name="MessageId">Id of a nested message.</param>
/// <param name="IsReferenceType">Whether values can be null references.</param>
internal sealed record TypeShape(
    ShapeKind Kind,
    string TypeName,
    TypeShape? Element = null,
    TypeShape? Key = null,
    int MessageId = 0,
    bool IsReferenceType = false);
