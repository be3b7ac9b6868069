namespace Tether;

/// <summary>One change of a session's state.</summary>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="Reason">Why, when there is more to say than the states (the error that ended a link, a refusal).</param>
public readonly record struct SessionStateChange(SessionState From, SessionState To, string? Reason);
