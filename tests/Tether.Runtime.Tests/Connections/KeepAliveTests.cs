using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The heartbeat rule on its own: a ping per interval, the peer dead after the allowed silent intervals.</summary>
public sealed class KeepAliveTests
{
    // Timestamps in milliseconds: 15 s interval, dead after 3 silent intervals.
    private const long Frequency = 1000;
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(15);

    [Fact]
    public void Pings_once_per_interval_and_not_before()
    {
        var keepAlive = new KeepAlive(s_interval, 3, Frequency, now: 0);
        keepAlive.Heard(14_000);

        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(14_999));
        Assert.Equal(KeepAliveAction.SendPing, keepAlive.Tick(15_000));
        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(15_001));
        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(29_999));
        Assert.Equal(KeepAliveAction.SendPing, keepAlive.Tick(30_000));
    }

    [Fact]
    public void A_silent_peer_is_dead_after_the_allowed_intervals_even_while_pings_go_out()
    {
        var keepAlive = new KeepAlive(s_interval, 3, Frequency, now: 0);

        Assert.Equal(KeepAliveAction.SendPing, keepAlive.Tick(15_000));
        Assert.Equal(KeepAliveAction.SendPing, keepAlive.Tick(30_000));
        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(44_999));
        Assert.Equal(KeepAliveAction.PeerDead, keepAlive.Tick(45_000));
    }

    [Fact]
    public void Anything_heard_starts_the_silence_again()
    {
        var keepAlive = new KeepAlive(s_interval, 3, Frequency, now: 0);
        keepAlive.Heard(40_000);

        Assert.Equal(40_000, keepAlive.LastHeard);
        Assert.NotEqual(KeepAliveAction.PeerDead, keepAlive.Tick(84_999));
        Assert.Equal(KeepAliveAction.PeerDead, keepAlive.Tick(85_000));
    }

    [Fact]
    public void An_infinite_interval_turns_heartbeats_off()
    {
        var keepAlive = new KeepAlive(Timeout.InfiniteTimeSpan, 3, Frequency, now: 0);

        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(long.MaxValue / 2));
    }

    [Fact]
    public void An_interval_of_years_never_declares_the_peer_dead_early()
    {
        // interval × misses is far past long.MaxValue timestamps: it saturates instead of wrapping to "dead at once".
        var keepAlive = new KeepAlive(TimeSpan.MaxValue, 1000, Frequency, now: 0);

        Assert.Equal(KeepAliveAction.None, keepAlive.Tick(365L * 24 * 3600 * Frequency));
    }

    [Fact]
    public void At_least_one_miss_is_allowed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeepAlive(s_interval, 0, Frequency, now: 0));
        var strict = new KeepAlive(s_interval, 1, Frequency, now: 0);
        Assert.Equal(KeepAliveAction.PeerDead, strict.Tick(15_000));
    }
}
