namespace Tether;

/// <summary>
/// A call's deadline passed (code <see cref="TetherErrorCode.CallTimedOut"/>), saying which side gave up: the caller,
/// whose timer fired before a reply arrived, or the server, which stopped its handler at the caller's deadline.
/// </summary>
public sealed class DeadlineExceededException : TetherException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="serverGaveUp">True when the server stopped the handler at the deadline; false when the caller stopped waiting.</param>
    /// <param name="message">What happened.</param>
    public DeadlineExceededException(bool serverGaveUp, string message)
        : base(TetherErrorCode.CallTimedOut, message)
    {
        ServerGaveUp = serverGaveUp;
    }

    /// <summary>True when the server stopped the handler at the caller's deadline; false when the caller stopped waiting for the reply.</summary>
    public bool ServerGaveUp { get; }
}
