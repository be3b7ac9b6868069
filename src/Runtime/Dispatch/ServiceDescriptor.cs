namespace Tether.Dispatch;

/// <summary>
/// A handler's capability declaration, generated as static data: the service, its version, its
/// methods and the shapes of every message they use. Sent during negotiation and used for
/// introspection by generic clients.
/// </summary>
/// <param name="Name">Service name.</param>
/// <param name="Version">Service version.</param>
/// <param name="Methods">Methods, ordered by request message id.</param>
/// <param name="Messages">Every message the methods take or return, ordered by id.</param>
public sealed record ServiceDescriptor(
    string Name,
    int Version,
    IReadOnlyList<MethodDescriptor> Methods,
    IReadOnlyList<MessageShape> Messages);

/// <summary>One handler method in a <see cref="ServiceDescriptor"/>.</summary>
/// <param name="Name">Method name.</param>
/// <param name="Kind">How it exchanges messages.</param>
/// <param name="RequestMessageId">Id of the message it handles.</param>
/// <param name="ResponseMessageId">Id of the message it returns (or streams), or 0 when it returns none.</param>
public sealed record MethodDescriptor(string Name, MethodKind Kind, int RequestMessageId, int ResponseMessageId);

/// <summary>The wire shape of one message: its id, type name and members in encoding order.</summary>
/// <param name="Id">Message id.</param>
/// <param name="TypeName">Fully qualified CLR type name.</param>
/// <param name="Members">Members in wire order.</param>
public sealed record MessageShape(int Id, string TypeName, IReadOnlyList<MemberShape> Members);

/// <summary>One member of a <see cref="MessageShape"/>.</summary>
/// <param name="Name">Member name.</param>
/// <param name="WireType">The member's type in the schema notation of <c>docs/wire-format.md</c>, e.g. <c>int64</c>, <c>list&lt;string&gt;</c>, <c>message:7</c>.</param>
public sealed record MemberShape(string Name, string WireType);
