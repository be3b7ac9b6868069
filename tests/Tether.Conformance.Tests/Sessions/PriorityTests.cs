using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>Priority on a saturated link (decision 0025): one-way sends that wait for room go out by priority, and the lowest is not starved.</summary>
public sealed class PriorityTests
{
    [Fact]
    public async Task On_a_saturated_link_waiting_sends_leave_by_priority_without_starving_the_lowest()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), o => o.MaxInFlightCallsPerSession = 1);
        // Room runs out when 256 frames wait for the server's acknowledgement (the replay buffer's bound): that bound, not
        // the transport's backpressure, is what the filling stops at. A link that looked blocked for a moment (CI once
        // stopped filling there) drained again and let the first waiting send through, before the check below.
        TetherClient client = await harness.ConnectAsync(o => o.ReplayBufferFrames = 256);
        Tether.Connections.FrameOutput output = client.PoolConnection!.Output;

        // The server runs one call at a time: a held call makes it stop reading at the next one-way message.
        Task held = client.RequestAsync(new BlockRequest(1), Harness.Patience).AsTask();
        await harness.Probe.Started.NextAsync();

        // The server counts the message it stops at and acknowledges what it counted on its next timer tick. Wait for
        // that acknowledgement before filling: arriving after the fill, it freed a slot and let the first waiting send
        // through before the check below (a CI flake). Past it, nothing the server has received is unacknowledged.
        await client.SendAsync(new Notice(-1, "fill"), new CallOptions { WaitForAcknowledgement = true }).Within();
        int filled = 0;
        while (!output.IsReplayFull)
        {
            await client.SendAsync(new Notice(filled, "fill")).Within(); // completes at once while there is room
            Assert.True(++filled < 100_000, "the link never filled");
        }

        // The link is saturated: these wait for room, in the scheduler's order.
        var sends = new List<Task>();
        for (int i = 0; i < 30; i++)
        {
            sends.Add(client.SendAsync(new Notice(i, "low"), new CallOptions { Priority = 0 }).AsTask());
            sends.Add(client.SendAsync(new Notice(i, "high"), new CallOptions { Priority = 255 }).AsTask());
        }

        Assert.All(sends, s => Assert.False(s.IsCompleted));
        harness.Probe.Gate.TrySetResult();
        await held.Within();
        await Task.WhenAll(sends).Within();

        var arrived = new List<string>();
        var indexes = new List<(string Text, int Index)>();
        while (arrived.Count < 60)
        {
            Notice notice = await harness.Probe.Notices.NextAsync();
            if (notice.Text != "fill")
            {
                arrived.Add(notice.Text);
                indexes.Add((notice.Text, (int)notice.Sequence));
            }
        }

        IEnumerable<int> arrivedIndexes(string text) => indexes.Where(n => n.Text == text).Select(static n => n.Index);

        // The first low one took the free turn on arrival; after it, rounds of 8 high and 1 low while both wait:
        // L, 8H, L, 8H, L, 8H, L, 6H (the highs run out), then the remaining 26 lows.
        string[] expected =
        [
            "low",
            .. Enumerable.Repeat("high", 8), "low",
            .. Enumerable.Repeat("high", 8), "low",
            .. Enumerable.Repeat("high", 8), "low",
            .. Enumerable.Repeat("high", 6),
            .. Enumerable.Repeat("low", 26),
        ];
        Assert.Equal(expected, arrived);
        // Each group kept its own order: first come, first served within a band.
        Assert.Equal(Enumerable.Range(0, 30), arrivedIndexes("high"));
        Assert.Equal(Enumerable.Range(0, 30), arrivedIndexes("low"));
    }
}
