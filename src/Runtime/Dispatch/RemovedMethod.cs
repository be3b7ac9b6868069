namespace Tether;

/// <summary>A method a service no longer has (<see cref="RemovedMethodAttribute"/>), in its capability declaration.</summary>
/// <param name="Id">The id callers of the old contract still send.</param>
/// <param name="Name">The method's name.</param>
/// <param name="Reason">What to call instead, or why it went (may be empty).</param>
[Message(BuiltInMessageIds.RemovedMethod)]
public sealed partial record RemovedMethod(int Id, string Name, string Reason);
