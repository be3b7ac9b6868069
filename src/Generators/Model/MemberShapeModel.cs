using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>One member in a capability declaration.</summary>
/// <param name="Name">Member name.</param>
/// <param name="WireType">Its type in the schema notation.</param>
/// <param name="Enums">The enums in its type, in the order their <c>enum&lt;…&gt;</c> appear in <paramref name="WireType"/>.</param>
internal sealed record MemberShapeModel(string Name, string WireType, EquatableArray<EnumShapeModel> Enums);

/// <summary>An enum's names and values, for tools that show names instead of numbers.</summary>
/// <param name="TypeName">Fully qualified CLR name, without <c>global::</c>.</param>
/// <param name="IsFlags">Whether it is marked <c>[Flags]</c>.</param>
/// <param name="Names">Member names in declaration order.</param>
/// <param name="Values">Their values as 64-bit integers (a <c>ulong</c> enum's wrap).</param>
internal sealed record EnumShapeModel(string TypeName, bool IsFlags, EquatableArray<string> Names, EquatableArray<long> Values);
