namespace Tether;

/// <summary>Where a <see cref="TetherServer"/> is in its life (<see cref="TetherServer.Status"/>).</summary>
public enum TetherServerStatus
{
    /// <summary>Created, not started.</summary>
    Created = 0,

    /// <summary>Started: listening and serving.</summary>
    Listening = 1,

    /// <summary><see cref="TetherServer.StopAsync"/> runs: no new connections, running calls finish (drain).</summary>
    Draining = 2,

    /// <summary>Stopped: every connection closed.</summary>
    Stopped = 3,
}
