namespace Tether;

/// <summary>The wire shape of one message: its id, type name and members in encoding order.</summary>
/// <param name="Id">Message id.</param>
/// <param name="TypeName">Fully qualified CLR type name.</param>
/// <param name="Members">Members in wire order.</param>
/// <remarks>A message itself: introspection (<see cref="Introspection.IIntrospection"/>) sends it to tools.</remarks>
[Message(BuiltInMessageIds.MessageShape)]
public sealed partial record MessageShape(int Id, string TypeName, IReadOnlyList<MemberShape> Members);
