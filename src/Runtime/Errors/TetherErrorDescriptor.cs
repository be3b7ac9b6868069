namespace Tether;

/// <summary>One row of the framework's error-code table.</summary>
/// <param name="Code">The stable numeric code.</param>
/// <param name="Name">A stable dotted name for logs and metrics, e.g. <c>decode.truncated</c>.</param>
/// <param name="DefaultMessage">The message used when no more specific text is given.</param>
/// <param name="IsRetryable">Whether repeating the same operation unchanged may succeed.</param>
/// <param name="Category">The broad class of failure.</param>
public sealed record TetherErrorDescriptor(
    TetherErrorCode Code,
    string Name,
    string DefaultMessage,
    bool IsRetryable,
    TetherErrorCategory Category);
