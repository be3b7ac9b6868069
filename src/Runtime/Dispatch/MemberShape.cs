namespace Tether;

/// <summary>One member of a <see cref="MessageShape"/>.</summary>
/// <param name="Name">Member name.</param>
/// <param name="WireType">The member's type in the schema notation of <c>docs/wire-format.md</c>, e.g. <c>int64</c>, <c>list&lt;string&gt;</c>, <c>message:7</c>.</param>
[Message(BuiltInMessageIds.MemberShape)]
public sealed partial record MemberShape(string Name, string WireType);
