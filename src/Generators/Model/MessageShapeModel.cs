using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>The shape of one message in a capability declaration.</summary>
internal sealed record MessageShapeModel(int Id, string TypeName, EquatableArray<MemberShapeModel> Members);
