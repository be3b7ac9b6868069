using System.Collections.Concurrent;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// The server's session events: SessionStarted before SessionEnded, each once per session, neither for a connection
/// refused at its hello — however quickly a session closes after it started.
/// </summary>
public sealed class SessionLifecycleEventsTests
{
    [Fact]
    public async Task Sessions_closed_from_their_own_SessionStarted_handler_end_once_each_after_they_started()
    {
        const int Sessions = 40;
        var events = new ConcurrentQueue<(Guid Id, string What)>();
        var allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int ended = 0;
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), setup: server =>
        {
            server.SessionStarted += session =>
            {
                events.Enqueue((session.Id, "started"));
                _ = session.CloseAsync(); // closes while SessionStarted is still being raised
            };
            server.SessionEnded += session =>
            {
                events.Enqueue((session.Id, "ended"));
                if (Interlocked.Increment(ref ended) == Sessions)
                {
                    allEnded.TrySetResult();
                }
            };
        });

        for (int i = 0; i < Sessions; i++)
        {
            TetherClient client = await harness.ConnectAsync();
            await client.Closed.Within();
        }

        await allEnded.Task.Within();
        Assert.Equal(2 * Sessions, events.Count);
        foreach (IGrouping<Guid, (Guid Id, string What)> session in events.GroupBy(static e => e.Id))
        {
            Assert.Equal(["started", "ended"], session.Select(static e => e.What));
        }

        Assert.Empty(harness.Server.Sessions);
    }

    [Fact]
    public async Task A_connection_refused_at_its_hello_raises_neither_event_and_leaves_nothing_behind()
    {
        int started = 0;
        int ended = 0;
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var retired = new SemaphoreSlim(0); // released as each engine leaves the server's tables
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.MaxConnections = 1, server =>
        {
            server.SessionStarted += _ => Interlocked.Increment(ref started);
            server.SessionEnded += _ =>
            {
                Interlocked.Increment(ref ended);
                firstEnded.TrySetResult();
            };
            server.ConnectionClosed += () => retired.Release();
        });
        TetherClient first = await harness.ConnectAsync();

        TetherException refused = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync());
        Assert.Equal(TetherErrorCode.ConnectionLimitExceeded, refused.Code);
        Assert.True(await retired.WaitAsync(Harness.Patience));
        Assert.Single(harness.Server.Sessions);
        Assert.Equal(0, Volatile.Read(ref ended));

        await first.DisposeAsync();
        await firstEnded.Task.Within(); // raised after its engine left the tables
        Assert.Empty(harness.Server.Sessions);
        Assert.Equal(1, Volatile.Read(ref started));
        Assert.Equal(1, Volatile.Read(ref ended));
    }
}
