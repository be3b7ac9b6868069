using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The send order under contention (decision 0025): bands by priority, served 8:4:2:1, nobody starves.</summary>
public sealed class SendSchedulerTests
{
    [Theory]
    [InlineData(255, 0)]
    [InlineData(192, 0)]
    [InlineData(191, 1)]
    [InlineData(128, 1)]
    [InlineData(-1, 1)] // none: the default, 128
    [InlineData(127, 2)]
    [InlineData(64, 2)]
    [InlineData(63, 3)]
    [InlineData(0, 3)]
    public void Priorities_fall_in_four_bands(int priority, int band) => Assert.Equal(band, SendScheduler.BandOf(priority));

    [Fact]
    public async Task Turns_follow_the_weighted_rule_and_the_lowest_band_gets_one_in_every_round()
    {
        var scheduler = new SendScheduler();
        await scheduler.WaitTurnAsync(128, CancellationToken.None); // the holder: everyone after it queues
        var order = new List<int>();
        var waits = new List<Task>();
        for (int i = 0; i < 40; i++)
        {
            foreach (int priority in new[] { 0, 255 }) // interleaved arrivals: lowest and highest
            {
                int p = priority;
                waits.Add(scheduler.WaitTurnAsync(p, CancellationToken.None).AsTask().ContinueWith(_ =>
                {
                    lock (order)
                    {
                        order.Add(p);
                    }

                    scheduler.Pass();
                }, TaskScheduler.Default));
            }
        }

        Assert.True(scheduler.IsBusy);
        scheduler.Pass();
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(80, order.Count);
        // Rounds of 8 highest then 1 lowest while both wait: the highest are all through after 5 rounds (45 turns).
        Assert.Equal([255, 255, 255, 255, 255, 255, 255, 255, 0], order.Take(9));
        Assert.Equal(5, order.Take(45).Count(p => p == 0));
        Assert.All(order.Skip(45), p => Assert.Equal(0, p));
        Assert.False(scheduler.IsBusy);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_is_skipped_and_the_turn_goes_on()
    {
        var scheduler = new SendScheduler();
        await scheduler.WaitTurnAsync(128, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        Task gaveUp = scheduler.WaitTurnAsync(255, cancel.Token).AsTask();
        Task next = scheduler.WaitTurnAsync(0, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        scheduler.Pass();
        await next.WaitAsync(TimeSpan.FromSeconds(30));
        scheduler.Pass();
        Assert.False(scheduler.IsBusy);
    }

    [Fact]
    public async Task With_all_four_bands_waiting_a_round_gives_8_4_2_1_turns_in_arrival_order_within_each_band()
    {
        var scheduler = new SendScheduler();
        await scheduler.WaitTurnAsync(128, CancellationToken.None);
        var order = new List<(int Priority, int Index)>();
        var waits = new List<Task>();
        for (int i = 0; i < 30; i++)
        {
            foreach (int priority in new[] { 0, 100, 150, 250 })
            {
                (int, int) entry = (priority, i);
                waits.Add(scheduler.WaitTurnAsync(priority, CancellationToken.None).AsTask().ContinueWith(_ =>
                {
                    lock (order)
                    {
                        order.Add(entry);
                    }

                    scheduler.Pass();
                }, TaskScheduler.Default));
            }
        }

        scheduler.Pass();
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));

        int[] firstRound = [.. order.Take(15).Select(static e => e.Priority)];
        Assert.Equal([.. Enumerable.Repeat(250, 8), .. Enumerable.Repeat(150, 4), 100, 100, 0], firstRound);
        int[] secondRound = [.. order.Skip(15).Take(15).Select(static e => e.Priority)];
        Assert.Equal(firstRound, secondRound);
        foreach (int priority in new[] { 0, 100, 150, 250 })
        {
            Assert.Equal(Enumerable.Range(0, 30), order.Where(e => e.Priority == priority).Select(static e => e.Index));
        }
    }

    [Fact]
    public async Task A_waiter_that_gives_up_as_the_turn_reaches_it_never_strands_the_turn()
    {
        var scheduler = new SendScheduler();
        await scheduler.WaitTurnAsync(128, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        // The waiter's token fires from inside the continuation that hands it the turn: it must still pass the turn on.
        ValueTask handed = scheduler.WaitTurnAsync(255, cancel.Token);
        Task next = scheduler.WaitTurnAsync(0, CancellationToken.None).AsTask();

        scheduler.Pass(); // the turn reaches the first waiter
        try
        {
            await cancel.CancelAsync();
            await handed; // it may already have the turn: then it holds it and passes it below
            scheduler.Pass();
        }
        catch (OperationCanceledException)
        {
            // it gave up, and passed the turn itself
        }

        await next.WaitAsync(TimeSpan.FromSeconds(30));
        scheduler.Pass();
        Assert.False(scheduler.IsBusy);
    }

    [Fact]
    public async Task Closing_wakes_every_waiter()
    {
        var scheduler = new SendScheduler();
        await scheduler.WaitTurnAsync(128, CancellationToken.None);
        Task[] waits = [.. Enumerable.Range(0, 10).Select(i => scheduler.WaitTurnAsync(i * 25, CancellationToken.None).AsTask())];
        Assert.All(waits, static w => Assert.False(w.IsCompleted));

        scheduler.ReleaseAll();

        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
