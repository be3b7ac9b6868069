namespace Tether;

/// <summary>A failure reported by the framework, carrying its code from <see cref="TetherErrors"/>.</summary>
public class TetherException : Exception
{
    /// <summary>Creates an exception with the table's default message for <paramref name="code"/>.</summary>
    public TetherException(TetherErrorCode code)
        : this(code, TetherErrors.Get(code).DefaultMessage)
    {
    }

    /// <summary>Creates an exception with a specific message.</summary>
    public TetherException(TetherErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The error code.</summary>
    public TetherErrorCode Code { get; }

    /// <summary>The table row for <see cref="Code"/>.</summary>
    public TetherErrorDescriptor Descriptor => TetherErrors.Get(Code);

    /// <summary>Whether repeating the failed operation unchanged may succeed.</summary>
    public bool IsRetryable => Descriptor.IsRetryable;

    /// <summary>
    /// When the peer said to try again (a <see cref="TetherErrorCode.RateLimited"/> refusal whose limiter knows when a
    /// permit frees up), or null.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }
}
