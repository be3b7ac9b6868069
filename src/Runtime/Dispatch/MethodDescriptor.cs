namespace Tether.Dispatch;

/// <summary>One handler method in a <see cref="ServiceDescriptor"/>.</summary>
/// <param name="Name">Method name.</param>
/// <param name="Kind">How it exchanges messages.</param>
/// <param name="RequestMessageId">Id of the message it handles.</param>
/// <param name="ResponseMessageId">Id of the message it returns (or streams), or 0 when it returns none.</param>
public sealed record MethodDescriptor(string Name, MethodKind Kind, int RequestMessageId, int ResponseMessageId);
