using Tether.Conformance.Tests.Support;
using Tether.Sessions;

namespace Tether.Conformance.Tests.Suite;

// A graceful close reports as undelivered only what the peer may not have (decision 0030): here the side that stays
// never acknowledges on its own (its timer never ticks), so only the close's own exchange can acknowledge.
public abstract partial class ConformanceSuite
{
    private static readonly TimeSpan TimerThatNeverTicks = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_client_that_closes_after_one_way_sends_the_server_handled_reports_none_undelivered()
    {
        await using Harness harness = await StartAsync(o => o.TimerInterval = TimerThatNeverTicks);
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        TetherClient client = await harness.ConnectAsync(setup: c => c.Undelivered += messages => undelivered.TrySetResult(messages));
        for (int i = 0; i < 10; i++)
        {
            await client.SendAsync(new Notice(i, "note")).Within();
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), (await harness.Probe.Notices.TakeAsync(10)).Select(n => n.Sequence));

        await client.DisposeAsync().AsTask().Within(); // the session ends (and reports) before this completes
        await AssertNoneReportedAsync(undelivered.Task);
    }

    [Fact]
    public async Task A_client_that_closes_right_after_a_burst_of_sends_loses_none_and_reports_none()
    {
        const int Count = 1_000;
        await using Harness harness = await StartAsync(o => o.TimerInterval = TimerThatNeverTicks);
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        TetherClient client = await harness.ConnectAsync(setup: c => c.Undelivered += messages => undelivered.TrySetResult(messages));
        for (int i = 0; i < Count; i++)
        {
            await client.SendAsync(new Notice(i, "burst")).Within();
        }

        // Closed at once: what was queued still leaves, ahead of the goaway, and the server's answer acknowledges it all.
        await client.DisposeAsync().AsTask().Within();
        await AssertNoneReportedAsync(undelivered.Task);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), (await harness.Probe.Notices.TakeAsync(Count)).Select(n => n.Sequence));
    }

    [Fact]
    public async Task A_server_that_stops_after_pushes_its_client_handled_reports_none_undelivered()
    {
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Harness harness = await StartAsync(setup: s => s.Undelivered += (_, messages) => undelivered.TrySetResult(messages));
        var pushes = new Probe();
        await harness.ConnectAsync(o => o.TimerInterval = TimerThatNeverTicks, pushes);
        await harness.WaitForSessionsAsync(1);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(new BroadcastResult(1, 0), harness.Server.Broadcast(new Notice(i, "push")));
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), (await pushes.Notices.TakeAsync(10)).Select(n => n.Sequence));

        await harness.Server.StopAsync().Within();
        await AssertNoneReportedAsync(undelivered.Task);
    }

    [Fact]
    public async Task A_server_that_stops_right_after_a_burst_of_pushes_loses_none_and_reports_none()
    {
        const int Count = 1_000;
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Harness harness = await StartAsync(setup: s => s.Undelivered += (_, messages) => undelivered.TrySetResult(messages));
        var pushes = new Probe();
        TetherClient client = await harness.ConnectAsync(o => o.TimerInterval = TimerThatNeverTicks, pushes);
        await harness.WaitForSessionsAsync(1);
        Assert.True(harness.Server.TryGetSession(client.Contract!.SessionId, out TetherSession? session));
        for (int i = 0; i < Count; i++)
        {
            await harness.Server.SendToAsync(session.Id, new Notice(i, "burst")).Within(); // waits for room when the queue is full
        }

        await harness.Server.StopAsync().Within();
        await AssertNoneReportedAsync(undelivered.Task);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), (await pushes.Notices.TakeAsync(Count)).Select(n => n.Sequence));
    }

    private static async Task AssertNoneReportedAsync(Task<IReadOnlyList<UndeliveredMessage>> report)
    {
        if (report.IsCompleted)
        {
            IReadOnlyList<UndeliveredMessage> lost = await report;
            Assert.Fail($"{lost.Count} messages were reported undelivered: {string.Join(", ", lost.GroupBy(m => m.Error.Code).Select(g => $"{g.Count()} {g.Key}"))}.");
        }
    }
}
