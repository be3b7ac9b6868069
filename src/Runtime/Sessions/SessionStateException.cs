namespace Tether;

/// <summary>A session was asked to make a transition its state table does not allow (<see cref="TetherErrorCode.IllegalStateTransition"/>).</summary>
public sealed class SessionStateException : TetherException
{
    /// <summary>Creates the error for <paramref name="from"/> → <paramref name="to"/>.</summary>
    public SessionStateException(SessionState from, SessionState to, string? context = null)
        : base(TetherErrorCode.IllegalStateTransition,
            $"A session in state {from} cannot move to {to}{(context is null ? "" : $" ({context})")}.")
    {
        From = from;
        To = to;
    }

    /// <summary>The state the session was in.</summary>
    public SessionState From { get; }

    /// <summary>The state the transition asked for.</summary>
    public SessionState To { get; }
}
