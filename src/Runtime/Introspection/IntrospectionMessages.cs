namespace Tether.Introspection;

/// <summary>Asks a server to describe itself.</summary>
/// <param name="Service">Only this service (by name); null for every service.</param>
[Message(BuiltInMessageIds.DescribeRequest)]
public sealed partial record DescribeRequest(string? Service);

/// <summary>What a server offers.</summary>
/// <param name="ProtocolVersion">The frame protocol version the server speaks.</param>
/// <param name="Services">Its services, the built-in ones included (<see cref="ServiceShape.BuiltIn"/>).</param>
[Message(BuiltInMessageIds.ServerShape)]
public sealed partial record ServerShape(int ProtocolVersion, IReadOnlyList<ServiceShape> Services);

/// <summary>One service: its methods and the shapes of every message they take or return (nested ones included).</summary>
/// <param name="Name">The service's name.</param>
/// <param name="Version">The service's version.</param>
/// <param name="BuiltIn">Whether it is one of Tether's own services (introspection, administration).</param>
/// <param name="Methods">Its methods.</param>
/// <param name="Messages">The shapes of its messages, by id.</param>
/// <param name="RemovedMethods">Methods it no longer has (<see cref="RemovedMethodAttribute"/>); null from servers older than this member.</param>
[Message(BuiltInMessageIds.ServiceShape)]
public sealed partial record ServiceShape(string Name, int Version, bool BuiltIn, IReadOnlyList<MethodShape> Methods, IReadOnlyList<MessageShape> Messages, IReadOnlyList<RemovedMethod>? RemovedMethods);

/// <summary>One method of a service.</summary>
/// <param name="Id">The method id a call names.</param>
/// <param name="Name">The method's name.</param>
/// <param name="Kind">Unary, one-way or server-streaming.</param>
/// <param name="RequestMessageId">The id of the message it takes.</param>
/// <param name="ResponseMessageId">The id of the message it returns (or streams); 0 when it returns nothing.</param>
/// <param name="Deprecation">Null, or why the method is deprecated (its <c>[Obsolete]</c> message, or empty).</param>
/// <param name="Version">The method's version (<see cref="MethodAttribute.Version"/>; 0 from servers older than this member, meaning 1).</param>
/// <param name="Idempotent">The method is marked <see cref="MethodAttribute.Idempotent"/> (false from servers older than this member).</param>
[Message(BuiltInMessageIds.MethodShape)]
public sealed partial record MethodShape(int Id, string Name, MethodKind Kind, int RequestMessageId, int ResponseMessageId, string? Deprecation, int Version, bool Idempotent);
