namespace Tether;

/// <summary>One member of a <see cref="MessageShape"/>.</summary>
/// <param name="Name">Member name.</param>
/// <param name="WireType">The member's type in the schema notation of <c>docs/wire-format.md</c>, e.g. <c>int64</c>, <c>list&lt;string&gt;</c>, <c>message:7</c>.</param>
/// <param name="Enums">
/// The names of the enums in the member's type, one per <c>enum&lt;…&gt;</c> of <paramref name="WireType"/> in the order
/// they appear (a <c>map&lt;enum&lt;int32&gt;,enum&lt;uint8&gt;&gt;</c> has two); null when it has none, or from a
/// server older than this member (tools then show enums as numbers).
/// </param>
[Message(BuiltInMessageIds.MemberShape)]
public sealed partial record MemberShape(string Name, string WireType, IReadOnlyList<EnumShape>? Enums = null);
