using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The call objects of incoming calls: the receive loop's own, the pool, and what a cancel can reach.</summary>
public sealed class IncomingCallTableTests
{
    [Fact]
    public void The_receive_loop_gets_its_own_call_object_back_without_the_pool()
    {
        var table = new IncomingCallTable(maxIdle: 4);
        IncomingCall first = table.Rent(onReceiveLoop: true);
        table.Return(first, onReceiveLoop: true);

        Assert.Same(first, table.Rent(onReceiveLoop: true));
        Assert.Equal(0, table.IdleCount);
    }

    [Fact]
    public void The_pool_keeps_returned_calls_up_to_its_bound()
    {
        var table = new IncomingCallTable(maxIdle: 2);
        IncomingCall[] calls = [table.Rent(false), table.Rent(false), table.Rent(false)];
        foreach (IncomingCall call in calls)
        {
            table.Return(call, onReceiveLoop: false);
        }

        Assert.Equal(2, table.IdleCount);
        Assert.Contains(table.Rent(onReceiveLoop: false), calls);
        Assert.Equal(1, table.IdleCount);
    }

    [Fact]
    public void A_table_that_never_tracked_a_call_answers_every_question()
    {
        // Its dictionary and pool are made when first needed (an idle session holds neither).
        var table = new IncomingCallTable(maxIdle: 2);

        Assert.Equal(0, table.RunningCount);
        Assert.Equal(0, table.IdleCount);
        Assert.False(table.Cancel(7));
        table.Grant(7, 1);
        table.EndInput(7);
        table.Untrack(7);
        table.CancelAll();
        var spans = new List<System.Diagnostics.Activity>();
        table.CollectSpans(spans);
        Assert.Empty(spans);
        Assert.NotNull(table.Rent(onReceiveLoop: false));
    }

    [Fact]
    public async Task A_cancel_reaches_a_tracked_call_until_it_is_untracked()
    {
        var table = new IncomingCallTable(maxIdle: 4);
        IncomingCall call = table.Rent(onReceiveLoop: false);
        Assert.False(table.Cancel(5));

        table.Track(5, call);
        Assert.Equal(1, table.RunningCount);
        Assert.True(table.Cancel(5));
        Assert.True(call.CanceledByPeer);
        await CanceledAsync(call.CancellationToken);

        table.Untrack(5);
        Assert.False(table.Cancel(5));
        Assert.Equal(0, table.RunningCount);
    }

    [Fact]
    public async Task Closing_cancels_every_running_call_but_not_as_the_peers_cancel()
    {
        var table = new IncomingCallTable(maxIdle: 4);
        IncomingCall a = table.Rent(false), b = table.Rent(false);
        table.Track(1, a);
        table.Track(2, b);

        table.CancelAll();

        await CanceledAsync(a.CancellationToken);
        await CanceledAsync(b.CancellationToken);
        Assert.False(a.CanceledByPeer);
        Assert.False(b.CanceledByPeer);
    }

    /// <summary>Completes when <paramref name="token"/> fires (callbacks run on the thread pool); the timeout only catches a hang.</summary>
    private static async Task CanceledAsync(CancellationToken token)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using CancellationTokenRegistration registration = token.Register(fired.SetResult);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }
}
