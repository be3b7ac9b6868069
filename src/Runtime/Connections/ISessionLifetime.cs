namespace Tether.Connections;

/// <summary>
/// Told when a session's first hello exchange succeeded and when the session closed, by the thread that made it so
/// (often its receive loop: an implementation hands real work to another thread). The server tracks its sessions
/// through this instead of a task per session waiting on both.
/// </summary>
internal interface ISessionLifetime
{
    /// <summary>The first hello exchange of <paramref name="connection"/> succeeded (once; never after it closed).</summary>
    void HandshakeSucceeded(TetherConnection connection);

    /// <summary><paramref name="connection"/>'s session closed (once).</summary>
    void Closed(TetherConnection connection);
}
