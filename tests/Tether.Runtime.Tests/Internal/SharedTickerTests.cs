using Microsoft.Extensions.Time.Testing;
using Tether.Internal;

namespace Tether.Runtime.Tests.Internal;

/// <summary>One timer per time provider and period for every member: each member ticks once a period, until it leaves.</summary>
public sealed class SharedTickerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Members_of_one_provider_and_period_share_a_timer_and_each_ticks_once_a_period_until_it_leaves()
    {
        var time = new FakeTimeProvider();
        var first = new Counter();
        var second = new Counter();
        SharedTicker ticker = SharedTicker.Join(time, Period, first);
        Assert.Same(ticker, SharedTicker.Join(time, Period, second));
        var slower = new Counter();
        SharedTicker other = SharedTicker.Join(time, Period * 2, slower);
        Assert.NotSame(ticker, other); // another period: another timer

        time.Advance(Period);
        Assert.Equal((1, 1), (first.Ticks, second.Ticks));

        ticker.Leave(first);
        time.Advance(Period);
        time.Advance(Period);
        Assert.Equal((1, 3), (first.Ticks, second.Ticks));

        ticker.Leave(second);
        time.Advance(Period);
        Assert.Equal((1, 3), (first.Ticks, second.Ticks));

        // The last member stopped the timer: a new member gets a new one, which ticks it.
        var third = new Counter();
        Assert.NotSame(ticker, SharedTicker.Join(time, Period, third));
        time.Advance(Period);
        Assert.Equal(1, third.Ticks);
        Assert.Equal(3, second.Ticks);
        Assert.Equal(2, slower.Ticks); // 250 ms in steps of 50 on its 100 ms timer
        other.Leave(slower);
        SharedTicker.Join(time, Period, third).Leave(third);
    }

    [Fact]
    public void Leaving_twice_or_leaving_a_ticker_one_never_joined_changes_nothing()
    {
        var time = new FakeTimeProvider();
        var member = new Counter();
        SharedTicker ticker = SharedTicker.Join(time, Period, member);
        ticker.Leave(new Counter());
        time.Advance(Period);
        ticker.Leave(member);
        ticker.Leave(member);
        time.Advance(Period);
        Assert.Equal(1, member.Ticks);
    }

    private sealed class Counter : ITickable
    {
        public int Ticks { get; private set; }

        public void OnTick() => Ticks++;
    }
}
