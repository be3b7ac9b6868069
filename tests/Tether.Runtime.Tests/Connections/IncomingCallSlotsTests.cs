using System.Threading.Channels;
using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The in-flight calls of a session on their own: the count, waiting for a free slot, draining.</summary>
public sealed class IncomingCallSlotsTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    [Fact]
    public void Counts_calls_and_is_full_at_the_limit()
    {
        var slots = new IncomingCallSlots(2);
        slots.Enter();
        Assert.False(slots.IsFull);
        slots.Enter();
        Assert.True(slots.IsFull);
        Assert.Equal(2, slots.Count);

        slots.Exit();
        Assert.False(slots.IsFull);
        Assert.Equal(1, slots.Count);
    }

    [Fact]
    public async Task A_waiter_is_released_by_the_exit_that_frees_a_slot()
    {
        var slots = new IncomingCallSlots(1);
        Assert.True(slots.WaitForRoomAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully);
        slots.Enter();

        Task wait = slots.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);

        slots.Exit();
        await wait.WaitAsync(s_patience);
        Assert.Equal(0, slots.Count);
    }

    [Fact]
    public async Task A_closing_session_stops_the_wait()
    {
        var slots = new IncomingCallSlots(1);
        slots.Enter();
        using var stop = new CancellationTokenSource();
        Task wait = slots.WaitForRoomAsync(stop.Token).AsTask();

        stop.Cancel();
        slots.WakeWaiters();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(s_patience));
        Assert.True(slots.WaitForRoomAsync(stop.Token).AsTask().IsCompletedSuccessfully); // already closing: no wait at all
    }

    [Fact]
    public async Task A_drain_completes_when_the_last_running_call_exits()
    {
        var slots = new IncomingCallSlots(10);
        slots.Enter();
        slots.Enter();

        Task drained = slots.DrainAsync();
        Assert.True(slots.IsDraining);
        slots.Exit();
        Assert.False(drained.IsCompleted);

        slots.Exit();
        await drained.WaitAsync(s_patience);
    }

    [Fact]
    public void A_drain_with_nothing_running_is_done_at_once()
    {
        Assert.True(new IncomingCallSlots(10).DrainAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task No_wake_up_is_lost_between_one_receiver_and_many_completing_calls()
    {
        // As in a session: one receive loop waits for room and starts calls; handlers on other threads finish them.
        const int Calls = 20_000;
        var slots = new IncomingCallSlots(4);
        var running = Channel.CreateUnbounded<int>();
        Task[] completers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            await foreach (int _ in running.Reader.ReadAllAsync())
            {
                slots.Exit();
            }
        })).ToArray();

        for (int i = 0; i < Calls; i++)
        {
            if (slots.IsFull)
            {
                await slots.WaitForRoomAsync(CancellationToken.None).AsTask().WaitAsync(s_patience);
            }

            Assert.True(slots.Count <= 4);
            slots.Enter();
            running.Writer.TryWrite(i);
        }

        running.Writer.Complete();
        await Task.WhenAll(completers).WaitAsync(s_patience);
        await slots.DrainAsync().WaitAsync(s_patience);
        Assert.Equal(0, slots.Count);
    }
}
