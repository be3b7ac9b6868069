namespace Tether;

/// <summary>
/// The one error a decoder raises for bad input: truncation, bad lengths, invalid UTF-8, excessive
/// nesting or out-of-range values. <see cref="TetherException.Code"/> says which.
/// </summary>
public sealed class TetherDecodeException : TetherException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">One of the <c>Decode*</c> codes.</param>
    /// <param name="position">The byte offset in the input where the problem was found.</param>
    public TetherDecodeException(TetherErrorCode code, long position)
        : this(code, position, null)
    {
    }

    /// <summary>Creates the exception with the failure that caused it (for example a message constructor that rejected a value).</summary>
    /// <param name="code">One of the <c>Decode*</c> codes.</param>
    /// <param name="position">The byte offset in the input where the problem was found.</param>
    /// <param name="innerException">The underlying failure.</param>
    public TetherDecodeException(TetherErrorCode code, long position, Exception? innerException)
        : base(code, $"{TetherErrors.Get(code).DefaultMessage} (at byte {position}){(innerException is null ? string.Empty : ": " + innerException.Message)}", innerException)
    {
        Position = position;
    }

    /// <summary>The byte offset in the input where the problem was found.</summary>
    public long Position { get; }
}
