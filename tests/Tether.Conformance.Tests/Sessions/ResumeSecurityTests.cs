using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>Resume tokens (SPEC R4.5): what is refused, what is stored, what is logged. Speaks the hello wire format directly.</summary>
public sealed class ResumeSecurityTests : IAsyncDisposable
{
    private readonly InMemoryTransport _transport = new();
    private readonly LogCapture _logs = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private readonly RecordingStore _store;
    private readonly ILoggerFactory _loggerFactory;
    private TetherServer? _server;

    public ResumeSecurityTests()
    {
        _store = new RecordingStore(_clock);
        _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
    }

    private async Task<TetherServer> ServerAsync(Transport.ITransportListenerFactory? listener = null)
    {
        var options = new TetherServerOptions
        {
            Transport = listener ?? _transport,
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            SessionStore = _store,
            TimeProvider = _clock,
            ResumeWindow = TimeSpan.FromSeconds(30),
        };
        _server = new TetherServer(options, _loggerFactory);
        _server.AddHandler(new SequenceHandler(new SequenceRecorder(1)));
        await _server.StartAsync();
        return _server;
    }

    [Fact]
    public async Task Wrong_used_and_other_sessions_tokens_are_refused_the_right_one_resumes_once()
    {
        TetherServer server = await ServerAsync();
        (Guid a, byte[] tokenA) = await OpenAndDropAsync(server);
        (Guid b, byte[] tokenB) = await OpenAndDropAsync(server);

        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, a, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, a, tokenB)); // B's token for A
        Assert.Equal(TetherErrorCode.SessionUnknown, await RefusalAsync(server, Guid.NewGuid(), tokenA)); // no such session: not a token problem

        // The right token resumes, and the server rotates it...
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        ServerHello resumed = await ResumeAsync(peer, a, tokenA, attempt: 1);
        Assert.True(resumed.Resumed);
        Assert.NotEqual(tokenA, resumed.Token);

        // ...and a ping on the new link (which the client may have queued before the hello came back) does not spend
        // the old token; the client's acknowledgement, sent once it took the new one, does.
        await peer.SendFrameAsync(FrameType.Ping, 0, 0, new byte[8]);
        Assert.Equal(FrameType.Pong, (await peer.ReadFrameAsync().Within())?.Header.Type);
        Assert.False(_store.IsConfirmed(a));
        await peer.SendFrameAsync(FrameType.Ack, 0, 0, new byte[8]);
        await peer.SendFrameAsync(FrameType.Ping, 0, 0, new byte[8]);
        Assert.Equal(FrameType.Pong, (await peer.ReadFrameAsync().Within())?.Header.Type);
        await _store.WaitForConfirmationAsync(a).Within();
        peer.Abort();
        await WaitForStateAsync(server, a, SessionState.Resuming);
        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, a, tokenA));

        await using RawPeer again = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        Assert.True((await ResumeAsync(again, a, resumed.Token!, attempt: 2)).Resumed);
        Assert.NotEqual(Guid.Empty, b);
    }

    /// <summary>
    /// The server still holds the session's link (half-open: the client gave up on it) when the client resumes over a
    /// new one, so the old link is lost while the resume rotates the token. The store writes that loss's expiry only
    /// after the rotation (the order in which an unserialized update brought back the old token and put an expiry on
    /// the active session, so the client's next resume was refused).
    /// </summary>
    [Fact]
    public async Task A_half_open_link_lost_during_a_resume_does_not_undo_the_rotation()
    {
        TetherServer server = await ServerAsync();
        await using RawPeer halfOpen = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await halfOpen.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        ServerHello first = await ReadHelloAsync(halfOpen);
        Guid id = first.Contract.SessionId;
        _store.DelayExpiriesUntilRotation();

        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        ServerHello resumed = await ResumeAsync(peer, id, first.Token!, attempt: 1);
        Assert.True(resumed.Resumed);
        await peer.SendFrameAsync(FrameType.Ack, 0, 0, new byte[8]);
        await _store.WaitForConfirmationAsync(id).Within();

        SessionTicket ticket = (await _store.FindAsync(id))!;
        Assert.Equal(DateTimeOffset.MaxValue, ticket.ExpiresAt); // the session is active again
        Assert.True(ticket.TokenHash.AsSpan().SequenceEqual(SHA256.HashData(resumed.Token!)));
        Assert.Null(ticket.PreviousTokenHash);

        peer.Abort();
        await WaitForStateAsync(server, id, SessionState.Resuming);
        await using RawPeer again = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        Assert.True((await ResumeAsync(again, id, resumed.Token!, attempt: 2)).Resumed);
    }

    /// <summary>
    /// The resume hello arrives while the server is still ending the lost link (here: its transport's dispose is held),
    /// so the session is not yet Resuming. The resume waits for that link's end instead of refusing a session that
    /// looked in use (which made the client give the session up and start a new one).
    /// </summary>
    [Fact]
    public async Task A_resume_that_arrives_while_the_lost_link_is_still_ending_waits_for_it()
    {
        var listener = new DisposeHoldingListenerFactory(_transport);
        TetherServer server = await ServerAsync(listener);
        await using RawPeer lost = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await lost.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        ServerHello first = await ReadHelloAsync(lost);
        lost.Abort();
        await listener.DisposeStarted.Within(); // the server is ending the link: still Active, no longer attached

        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var resume = new ClientHello(1 << 20, offer, new ResumeRequest(first.Contract.SessionId, first.Token!, 0, Attempt: 1));
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, resume.Encode());
        await _logs.WaitForAsync("waits for the previous link to finish ending").Within();
        listener.ReleaseDispose();

        ServerHello resumed = await ReadHelloAsync(peer);
        Assert.True(resumed.Resumed);
        Assert.Equal(first.Contract.SessionId, resumed.Contract.SessionId);
    }

    /// <summary>
    /// A client sent a resume hello (attempt 1) on a link it then gave up on, and resumed over another (attempt 2) with
    /// the same token. The first hello reaches the server after the second was granted and before the client's
    /// acknowledgement confirmed the new token, so the token it carries is still good. It is refused as stale; before
    /// attempt numbers it superseded the live link and rotated the token to one the client never saw, so the client's
    /// next resume was refused and its session restarted.
    /// </summary>
    [Fact]
    public async Task A_stale_resume_hello_does_not_supersede_a_later_resume()
    {
        TetherServer server = await ServerAsync();
        (Guid id, byte[] token) = await OpenAndDropAsync(server);
        await using RawPeer live = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        ServerHello resumed = await ResumeAsync(live, id, token, attempt: 2);
        Assert.True(resumed.Resumed);

        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, id, token, attempt: 1));
        await _logs.WaitForAsync("stale resume hello").Within();

        // The live link is still the session's: it is answered, and its acknowledgement confirms the token it got.
        await live.SendFrameAsync(FrameType.Ping, 0, 0, new byte[8]);
        Assert.Equal(FrameType.Pong, (await live.ReadFrameAsync().Within())?.Header.Type);
        Assert.Equal(SessionState.Active, server.Sessions.Single(s => s.Id == id).State);
        await live.SendFrameAsync(FrameType.Ack, 0, 0, new byte[8]);
        await _store.WaitForConfirmationAsync(id).Within();
        SessionTicket ticket = (await _store.FindAsync(id))!;
        Assert.True(ticket.TokenHash.AsSpan().SequenceEqual(SHA256.HashData(resumed.Token!)));
        Assert.Equal(2UL, ticket.LastResumeAttempt);

        live.Abort();
        await WaitForStateAsync(server, id, SessionState.Resuming);
        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, id, resumed.Token!, attempt: 2)); // a replayed number
        await using RawPeer again = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        Assert.True((await ResumeAsync(again, id, resumed.Token!, attempt: 3)).Resumed);
    }

    [Fact]
    public async Task A_token_is_refused_once_the_resume_window_has_passed()
    {
        TetherServer server = await ServerAsync();
        var ended = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionEnded += s => ended.TrySetResult(s);
        (Guid id, byte[] token) = await OpenAndDropAsync(server);

        _clock.Advance(TimeSpan.FromSeconds(31)); // the server's timer expires the session
        TetherSession expired = await ended.Task.Within();
        Assert.Equal(id, expired.Id);
        Assert.Equal(TetherErrorCode.SessionUnknown, await RefusalAsync(server, id, token)); // the server no longer holds it
        Assert.Null(await _store.FindAsync(id));
    }

    [Fact]
    public async Task Only_hashes_are_stored_and_tokens_never_reach_the_logs()
    {
        TetherServer server = await ServerAsync();
        (Guid id, byte[] token) = await OpenAndDropAsync(server);
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        byte[] rotated = (await ResumeAsync(peer, id, token, attempt: 1)).Token!;

        Assert.NotEmpty(_store.Saved);
        foreach (SessionTicket ticket in _store.Saved)
        {
            Assert.Equal(32, ticket.TokenHash.Length);
            Assert.NotEqual(token, ticket.TokenHash);
            Assert.NotEqual(rotated, ticket.TokenHash);
        }

        Assert.Contains(_store.Saved, t => t.TokenHash.AsSpan().SequenceEqual(SHA256.HashData(token)));
        Assert.Contains(_store.Saved, t => t.TokenHash.AsSpan().SequenceEqual(SHA256.HashData(rotated)));

        Assert.NotEmpty(_logs.Messages);
        foreach (byte[] secret in new[] { token, rotated })
        {
            string hex = Convert.ToHexString(secret), base64 = Convert.ToBase64String(secret);
            Assert.DoesNotContain(_logs.Messages, m => m.Contains(hex, StringComparison.OrdinalIgnoreCase) || m.Contains(base64, StringComparison.Ordinal));
        }
    }

    /// <summary>Opens a resumable session with a raw hello, then drops the link: the session waits for a resume.</summary>
    private async Task<(Guid Id, byte[] Token)> OpenAndDropAsync(TetherServer server)
    {
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        ServerHello hello = await ReadHelloAsync(peer);
        Assert.True(hello.Contract.Resumable);
        peer.Abort();
        await WaitForStateAsync(server, hello.Contract.SessionId, SessionState.Resuming);
        return (hello.Contract.SessionId, hello.Token!);
    }

    /// <summary>Sends a resume hello; <paramref name="attempt"/> must exceed the session's last granted one (as a client's counter does).</summary>
    private async Task<ServerHello> ResumeAsync(RawPeer peer, Guid id, byte[] token, ulong attempt)
    {
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, new ResumeRequest(id, token, 0, attempt)).Encode());
        return await ReadHelloAsync(peer);
    }

    /// <summary>A resume hello the server refuses; by default its attempt number is above any granted, so only the token can be the reason.</summary>
    private async Task<TetherErrorCode> RefusalAsync(TetherServer server, Guid id, byte[] token, ulong attempt = 1_000)
    {
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, new ResumeRequest(id, token, 0, attempt)).Encode());
        var frame = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.GoAway, frame?.Header.Type);
        return (TetherErrorCode)frame!.Value.Header.MessageId;
    }

    private static async Task<ServerHello> ReadHelloAsync(RawPeer peer)
    {
        var frame = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Hello, frame?.Header.Type);
        return ServerHello.Decode(frame!.Value.Header.MessageId, frame.Value.Payload, []);
    }

    private static async Task WaitForStateAsync(TetherServer server, Guid id, SessionState state)
    {
        TetherSession session = server.Sessions.Single(s => s.Id == id);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.StateChanged += c =>
        {
            if (c.To == state)
            {
                reached.TrySetResult();
            }
        };
        if (session.State != state)
        {
            await reached.Task.Within();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _loggerFactory.Dispose();
    }
}
