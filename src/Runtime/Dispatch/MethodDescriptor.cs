namespace Tether;

/// <summary>One method in a <see cref="ServiceDescriptor"/>.</summary>
/// <param name="Id">
/// The method's id on the wire: what a request or one-way frame names to call it. Explicit (<see cref="MethodAttribute.Id"/>)
/// or derived from the service and method names (<see cref="MethodIds.Derive"/>); never 0.
/// </param>
/// <param name="Name">Method name.</param>
/// <param name="Kind">How it exchanges messages.</param>
/// <param name="RequestMessageId">Id of the message it takes.</param>
/// <param name="ResponseMessageId">Id of the message it returns (or streams), or 0 when it returns none.</param>
public sealed record MethodDescriptor(int Id, string Name, MethodKind Kind, int RequestMessageId, int ResponseMessageId);
