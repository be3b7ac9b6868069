using Tether.Connections;
using Tether.Framing;

namespace Tether.Runtime.Tests.Connections;

/// <summary>Per-stream credit (decision 0026): the receiver's window and grants, and the sender's credit.</summary>
public sealed class StreamFlowControlTests
{
    private const int Initial = ProtocolConstants.InitialStreamWindow;

    [Fact]
    public void A_sender_may_send_the_initial_window_and_not_one_item_more()
    {
        var window = new StreamWindow(maximum: 256, timing: null);
        for (int i = 0; i < Initial; i++)
        {
            Assert.True(window.Arrived());
        }

        Assert.False(window.Arrived()); // the 33rd item had no credit: a protocol violation
    }

    [Fact]
    public void Grants_go_out_once_per_half_window_read_not_per_item()
    {
        var window = new StreamWindow(maximum: 256, timing: null);
        for (int i = 0; i < Initial; i++)
        {
            window.Arrived();
        }

        var grants = new List<int>();
        for (int i = 0; i < Initial; i++)
        {
            grants.Add(window.Consumed());
        }

        // Reading half the window grants it back; then nothing until the next half is read.
        int half = Initial / 2;
        Assert.Equal(Enumerable.Repeat(0, half - 1).Append(half).Concat(Enumerable.Repeat(0, half - 1)).Append(half), grants);
        Assert.Equal(2 * Initial, window.Granted);
    }

    [Fact]
    public void The_window_doubles_while_grants_follow_each_other_within_two_round_trips_up_to_the_maximum()
    {
        var link = new Link(TimeSpan.FromMilliseconds(50));
        var window = new StreamWindow(maximum: 256, link);

        // A long link: half a window is read every 20 ms, faster than two round trips (100 ms).
        var windows = new List<int>();
        for (int grant = 0; grant < 8; grant++)
        {
            ReadUntilGrant(window);
            windows.Add(window.Window);
            link.Clock.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal([32, 64, 128, 256, 256, 256, 256, 256], windows);
    }

    [Fact]
    public void A_window_the_reader_takes_its_time_over_does_not_grow()
    {
        var link = new Link(TimeSpan.FromMilliseconds(50));
        var window = new StreamWindow(maximum: 256, link);

        for (int grant = 0; grant < 8; grant++)
        {
            ReadUntilGrant(window);
            link.Clock.Advance(TimeSpan.FromMilliseconds(150)); // the reader, not the link, is slow
        }

        Assert.Equal(Initial, window.Window);
    }

    [Fact]
    public void Without_a_measured_round_trip_the_window_keeps_its_size_and_asks_for_one()
    {
        var link = new Link(null);
        var window = new StreamWindow(maximum: 256, link);

        for (int grant = 0; grant < 8; grant++)
        {
            ReadUntilGrant(window);
        }

        Assert.Equal(Initial, window.Window);
        Assert.Equal(8, link.MeasureRequests); // the connection sends one ping however often it is asked
    }

    /// <summary>The sender uses its credit; the reader reads until its next grant goes out.</summary>
    private static void ReadUntilGrant(StreamWindow window)
    {
        while (window.Arrived())
        {
        }

        while (window.Consumed() == 0)
        {
        }
    }

    private sealed class Link(TimeSpan? roundTrip) : ILinkTiming
    {
        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock { get; } = new();

        public TimeProvider Time => Clock;

        public TimeSpan? RoundTripTime => roundTrip;

        public int MeasureRequests { get; private set; }

        public void MeasureRoundTrip() => MeasureRequests++;
    }

    [Fact]
    public async Task Credit_is_taken_until_none_is_left_and_a_grant_wakes_the_waiting_sender()
    {
        var credit = new StreamCredit();
        credit.Reset(2);
        Assert.True(credit.TryTake());
        Assert.True(credit.TryTake());
        Assert.False(credit.TryTake());

        Task waiting = credit.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        credit.Grant(3);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, credit.Available);
    }

    [Fact]
    public async Task Closing_the_stream_fails_a_waiting_sender_with_the_reason()
    {
        var credit = new StreamCredit();
        credit.Reset(0);
        Task waiting = credit.WaitAsync(CancellationToken.None).AsTask();
        var reason = new TetherException(TetherErrorCode.ConnectionClosed);

        credit.Close(reason);

        Assert.Same(reason, await Assert.ThrowsAsync<TetherException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.Same(reason, await Assert.ThrowsAsync<TetherException>(() => credit.WaitAsync(CancellationToken.None).AsTask()));
    }

    [Fact]
    public async Task Writers_racing_for_credit_take_exactly_what_was_granted()
    {
        var credit = new StreamCredit();
        credit.Reset(10_000);
        int taken = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (credit.TryTake())
            {
                Interlocked.Increment(ref taken);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(10_000, taken);
        Assert.Equal(0, credit.Available);
    }
}
