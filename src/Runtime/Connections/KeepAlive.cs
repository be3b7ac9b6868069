namespace Tether.Connections;

/// <summary>What a link's keep-alive asks of its owner at a timer tick.</summary>
internal enum KeepAliveAction
{
    /// <summary>Nothing to do.</summary>
    None,

    /// <summary>Send a ping (an interval passed since the last one).</summary>
    SendPing,

    /// <summary>Nothing was heard for the allowed number of intervals: the link is dead.</summary>
    PeerDead,
}

/// <summary>
/// The heartbeat rule of one link (SPEC R4.3), given the clock: a ping every interval, and the peer declared dead after
/// <c>misses</c> intervals in which nothing at all was heard from it (any frame is proof of life, not only a pong).
/// Times are <see cref="TimeProvider"/> timestamps. <see cref="Heard"/> runs on receive loops and <see cref="Tick"/> on the
/// timer; the last-heard stamp is the one field both touch (volatile), the ping stamp is the timer's alone.
/// </summary>
internal sealed class KeepAlive
{
    private readonly long _intervalTicks;
    private readonly long _deadAfterTicks;
    private long _lastHeard;
    private long _lastPingSent;

    /// <param name="interval">Heartbeat interval; <see cref="Timeout.InfiniteTimeSpan"/> turns heartbeats off.</param>
    /// <param name="misses">Intervals without a sign of life before the peer is dead (at least 1).</param>
    /// <param name="timestampFrequency">Timestamps per second (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <param name="now">The link's start: it counts as heard, and as the last ping.</param>
    public KeepAlive(TimeSpan interval, int misses, long timestampFrequency, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(misses, 1);

        // Saturated, so an interval of years means "never" instead of overflowing into "at once".
        double ticks = interval == Timeout.InfiniteTimeSpan ? 0 : interval.TotalSeconds * timestampFrequency;
        _intervalTicks = ticks >= long.MaxValue / 4 ? long.MaxValue / 4 : (long)ticks;
        _deadAfterTicks = _intervalTicks > long.MaxValue / 4 / misses ? long.MaxValue / 4 : _intervalTicks * misses;
        _lastHeard = now;
        _lastPingSent = now;
    }

    /// <summary>When the peer was last heard from.</summary>
    public long LastHeard => Volatile.Read(ref _lastHeard);

    /// <summary>Something arrived from the peer at <paramref name="now"/>.</summary>
    public void Heard(long now) => Volatile.Write(ref _lastHeard, now);

    /// <summary>What to do at <paramref name="now"/>; a <see cref="KeepAliveAction.SendPing"/> answer counts as sent.</summary>
    public KeepAliveAction Tick(long now)
    {
        if (_intervalTicks == 0)
        {
            return KeepAliveAction.None;
        }

        if (now - LastHeard >= _deadAfterTicks)
        {
            return KeepAliveAction.PeerDead;
        }

        if (now - _lastPingSent >= _intervalTicks)
        {
            _lastPingSent = now;
            return KeepAliveAction.SendPing;
        }

        return KeepAliveAction.None;
    }
}
