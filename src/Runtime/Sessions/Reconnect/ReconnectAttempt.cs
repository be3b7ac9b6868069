namespace Tether;

/// <summary>One reconnect attempt of a client, raised before it waits and after it ends.</summary>
/// <param name="Attempt">1 for the first retry after the link was lost.</param>
/// <param name="Delay">The backoff waited before this attempt.</param>
/// <param name="Error">Why the attempt failed; null when it is about to start or succeeded.</param>
/// <param name="Resumed">True when the attempt resumed the session; false when it started a new one (or failed).</param>
public sealed record ReconnectAttempt(int Attempt, TimeSpan Delay, Exception? Error, bool Resumed);
