namespace Tether;

/// <summary>Where a session is in its life.</summary>
public enum SessionState
{
    /// <summary>The link is being opened.</summary>
    Connecting,

    /// <summary>The link is open; the hello exchange is under way.</summary>
    Negotiating,

    /// <summary>Calls flow.</summary>
    Active,

    /// <summary>The link was lost and the session is being resumed on a new one (resumable sessions).</summary>
    Resuming,

    /// <summary>No new calls are taken; running calls finish.</summary>
    Draining,

    /// <summary>The session is over.</summary>
    Closed,
}
