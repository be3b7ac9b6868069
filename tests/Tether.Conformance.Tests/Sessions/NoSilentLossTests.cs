using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// SPEC R4.5: when a session cannot resume, every message and call it accepted that the peer never acknowledged fails
/// by name, retryable exactly when the peer provably never had it; acknowledged sends complete only on the peer's word.
/// </summary>
public sealed class NoSilentLossTests
{
    private sealed class Outage : IAsyncDisposable
    {
        private readonly InMemoryEndPoint _endPoint = new(Guid.NewGuid().ToString("N"));
        private readonly InMemoryTransport _transport = new();
        private readonly TaskCompletionSource<TetherSession> _suspended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reconnecting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ChaosConnector _chaos;

        private Outage()
        {
            _chaos = new ChaosConnector(_transport);
            Client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = _chaos }));
            Client.SessionRestarted += e => Restarted.TrySetResult(e);
            Client.Undelivered += messages => Undelivered.TrySetResult(messages);
            Client.Reconnecting += _ => _reconnecting.TrySetResult();
        }

        public TetherServer Server { get; private set; } = null!;

        public TetherClient Client { get; }

        public SequenceRecorder Received { get; private set; } = new(1_000_000);

        public TaskCompletionSource<TetherException> Restarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<IReadOnlyList<UndeliveredMessage>> Undelivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A server that acknowledges only when asked (its timer never ticks), and a client connected to it; <see cref="Received"/> completes after <paramref name="expected"/> messages.</summary>
        public static async Task<Outage> StartAsync(long expected = 1_000_000)
        {
            var outage = new Outage { Received = new SequenceRecorder(expected) };
            outage.Server = await outage.StartServerAsync();
            outage.Server.SessionSuspended += s => outage._suspended.TrySetResult(s);
            await outage.Client.StartAsync(outage.Server.LocalEndPoint!).Within();
            return outage;
        }

        private Task<TetherServer> StartServerAsync() =>
            ResumeTests.StartServerAsync(_transport, _endPoint, Received, o => o.TimerInterval = TimeSpan.FromHours(1));

        /// <summary>Cuts the link, waits until both sides know, and keeps the client from coming back until <see cref="RestartServerAsync"/>.</summary>
        public async Task CutAsync()
        {
            _chaos.Hold();
            _chaos.Cut();
            await _suspended.Task.Within();
            await _reconnecting.Task.Within(); // from here the client writes to no link: what it accepts never leaves
        }

        /// <summary>The server goes away without a word (its session was between links) and a new one, with no store, takes its place.</summary>
        public async Task RestartServerAsync()
        {
            await Server.DisposeAsync();
            Server = await StartServerAsync();
            _chaos.Release();
        }

        public async ValueTask DisposeAsync()
        {
            _chaos.Release();
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_restart_without_a_store_the_session_is_unknown_and_what_never_left_fails_as_never_sent()
    {
        await using Outage outage = await Outage.StartAsync();
        TetherClient client = outage.Client;
        Guid first = client.Contract!.SessionId;
        await outage.CutAsync();

        // Accepted while the link is down: 50 one-way sends, a call, an acknowledged send.
        for (int i = 0; i < 50; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
        }

        Task<NumberedReply> call = client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(7)).AsTask();
        Task acknowledged = client.SendAsync(new Numbered(50), new CallOptions { WaitForAcknowledgement = true }).AsTask();
        await outage.RestartServerAsync();

        TetherException restarted = await outage.Restarted.Task.Within();
        Assert.Equal(TetherErrorCode.SessionUnknown, restarted.Code); // not a bad token: the server does not hold it

        IReadOnlyList<UndeliveredMessage> lost = await outage.Undelivered.Task.Within();
        Assert.Equal(51, lost.Count);
        Assert.Equal(Enumerable.Range(0, 51).Select(i => (long)i), lost.Select(m => m.Decode<Numbered>().Value));
        Assert.All(lost, m =>
        {
            Assert.Equal(TetherErrorCode.NeverSent, m.Error.Code);
            Assert.True(m.Error.IsRetryable);
            Assert.Equal(TetherErrorCode.SessionUnknown, Assert.IsType<TetherException>(m.Error.InnerException).Code);
        });

        TetherException callFailed = await Assert.ThrowsAsync<TetherException>(() => call.Within());
        Assert.Equal(TetherErrorCode.NeverSent, callFailed.Code);
        Assert.True(callFailed.IsRetryable); // no server ever ran it
        TetherException sendFailed = await Assert.ThrowsAsync<TetherException>(() => acknowledged.Within());
        Assert.Equal(TetherErrorCode.NeverSent, sendFailed.Code);

        Assert.NotEqual(first, client.Contract!.SessionId);
        Assert.Equal(0, outage.Received.Received); // nothing reached the new server's handler
        Assert.Equal(new NumberedReply(14), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(7)).Within());
    }

    [Fact]
    public async Task Messages_that_left_but_were_never_acknowledged_are_reported_as_not_delivered()
    {
        await using Outage outage = await Outage.StartAsync(expected: 10);
        TetherClient client = outage.Client;
        for (int i = 0; i < 10; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
        }

        // The server handled them, but acknowledges only when asked and its timer never ticks.
        await outage.Received.Done.Within();

        await outage.CutAsync();
        await outage.RestartServerAsync();

        IReadOnlyList<UndeliveredMessage> lost = await outage.Undelivered.Task.Within();
        Assert.Equal(10, lost.Count);
        Assert.All(lost, m =>
        {
            Assert.Equal(TetherErrorCode.NotDelivered, m.Error.Code);
            Assert.False(m.Error.IsRetryable); // it may have arrived (here it did): not safe to repeat blindly
        });
    }

    [Fact]
    public async Task An_acknowledged_send_completes_on_the_peers_acknowledgement_without_waiting_for_its_timer()
    {
        await using Outage outage = await Outage.StartAsync();
        for (int i = 0; i < 20; i++)
        {
            await outage.Client.SendAsync(new Numbered(i), new CallOptions { WaitForAcknowledgement = true }).Within();
            Assert.Equal(i + 1, outage.Received.Received); // acknowledged only after its handler was handed it
        }
    }

    [Fact]
    public async Task An_acknowledged_send_needs_a_resumable_session()
    {
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1));
        await using var client = new TetherClient(new TetherClientOptions { Transport = transport, Resumable = false });
        await client.StartAsync(server.LocalEndPoint!).Within();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.SendAsync(new Numbered(0), new CallOptions { WaitForAcknowledgement = true }));
    }
}
