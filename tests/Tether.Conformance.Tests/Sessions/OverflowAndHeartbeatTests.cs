using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

public sealed class OverflowAndHeartbeatTests
{
    /// <summary>
    /// With a 16-frame replay bound and no timer acknowledgements (the timer never fires in this test), one-way sends
    /// stop at three quarters of the bound until the peer acknowledges; only the sender's acknowledgement requests
    /// let 5,000 messages through.
    /// </summary>
    [Fact]
    public async Task Acknowledgement_requests_free_a_small_replay_buffer_without_the_timer()
    {
        const int Messages = 5_000;
        var transport = new InMemoryTransport();
        var received = new SequenceRecorder(Messages);
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), received,
            o => o.TimerInterval = TimeSpan.FromHours(1));
        await using var client = new TetherClient(new TetherClientOptions { Transport = transport, ReplayBufferFrames = 16, TimerInterval = TimeSpan.FromHours(1) });
        await client.StartAsync(server.LocalEndPoint!).Within();

        for (int i = 0; i < Messages; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
        }

        await received.Done.Within();
        Assert.Null(received.Error);
    }

    [Fact]
    public async Task Overflowing_the_replay_buffer_during_a_long_disconnect_is_refused_on_reattach_and_a_new_session_starts()
    {
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1),
            o => o.ReplayBufferFrames = 16);
        var suspended = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionSuspended += s => suspended.TrySetResult(s);
        var chaos = new ChaosConnector(transport);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos }));
        client.AddHandler(new SequenceHandler(new SequenceRecorder(1)));
        var restarted = new TaskCompletionSource<TetherException>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionRestarted += e => restarted.TrySetResult(e);
        await client.StartAsync(server.LocalEndPoint!).Within();
        Guid first = client.Contract!.SessionId;

        chaos.Hold(); // the client cannot come back until released
        chaos.Cut();
        TetherSession session = await suspended.Task.Within();
        // Calls cannot wait for room: 20 of them pass the 16-frame bound while there is no link.
        Task<NumberedReply>[] calls = [.. Enumerable.Range(0, 20).Select(i => session.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i)).AsTask())];
        chaos.Release();

        TetherException reason = await restarted.Task.Within();
        Assert.Equal(TetherErrorCode.ReplayBufferOverflow, reason.Code);
        int accepted = 0;
        foreach (Task<NumberedReply> call in calls)
        {
            var failed = await Assert.ThrowsAsync<TetherException>(() => call.Within());
            if (failed.Code == TetherErrorCode.ReplayBufferOverflow)
            {
                continue; // made after the overflow: refused at the call
            }

            // Accepted before it: each names what became of it, a request that never reached the client (retryable).
            accepted++;
            Assert.Equal(TetherErrorCode.NeverSent, failed.Code);
            Assert.True(failed.IsRetryable);
            Assert.Equal(TetherErrorCode.ReplayBufferOverflow, Assert.IsType<TetherException>(failed.InnerException).Code);
        }

        Assert.InRange(accepted, 1, 19);

        Assert.NotEqual(first, client.Contract!.SessionId); // a clean new session, working
        Assert.Equal(new NumberedReply(6), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(3)).Within());
    }

    [Fact]
    public async Task A_silent_peer_is_pinged_every_interval_and_declared_dead_after_three_misses()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), o =>
        {
            o.TimeProvider = clock;
            o.TimerInterval = TimeSpan.FromSeconds(1);
        });
        var ended = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionEnded += s => ended.TrySetResult(s);
        await using RawPeer peer = await RawPeer.ConnectAsync(transport, server.LocalEndPoint!);
        await peer.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await peer.ReadFrameAsync().Within())?.Header.Type);

        // A ping each interval; answering it yields a round-trip time on the session.
        clock.Advance(TimeSpan.FromSeconds(15));
        var ping = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Ping, ping?.Header.Type);
        await peer.SendFrameAsync(FrameType.Pong, 0, 0, ping!.Value.Payload);
        await peer.SendFrameAsync(FrameType.Request, 9, 41, TetherCodec.ToArray(new NumberedCall(1)), FrameFlags.ByMessageType);
        Assert.Equal(FrameType.Response, (await peer.ReadFrameAsync().Within())?.Header.Type); // handled after the pong
        Assert.NotNull(Assert.Single(server.Sessions).RoundTripTime);

        // Then silence: 31 s (under three 15 s intervals) is still alive; 46 s is dead.
        clock.Advance(TimeSpan.FromSeconds(15 + 15 + 1));
        Assert.Equal(FrameType.Ping, (await peer.ReadFrameAsync().Within())?.Header.Type);
        Assert.False(ended.Task.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(15));
        await ended.Task.Within();
        Assert.Null(await peer.ReadUntilClosedAsync());
    }
}
