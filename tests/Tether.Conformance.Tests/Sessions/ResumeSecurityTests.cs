using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Server;
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

    private async Task<TetherServer> ServerAsync()
    {
        var options = new TetherServerOptions
        {
            Transport = _transport,
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
        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, Guid.NewGuid(), tokenA)); // no such session

        // The right token resumes, and the server rotates it...
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        ServerHello resumed = await ResumeAsync(peer, a, tokenA);
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
        Assert.True((await ResumeAsync(again, a, resumed.Token!)).Resumed);
        Assert.NotEqual(Guid.Empty, b);
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
        Assert.Equal(id, expired.SessionId);
        Assert.Equal(TetherErrorCode.ResumeRejected, await RefusalAsync(server, id, token));
        Assert.Null(await _store.FindAsync(id));
    }

    [Fact]
    public async Task Only_hashes_are_stored_and_tokens_never_reach_the_logs()
    {
        TetherServer server = await ServerAsync();
        (Guid id, byte[] token) = await OpenAndDropAsync(server);
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        byte[] rotated = (await ResumeAsync(peer, id, token)).Token!;

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
        var offer = new NegotiationOffer([1, 2], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        ServerHello hello = await ReadHelloAsync(peer);
        Assert.True(hello.Contract.Resumable);
        peer.Abort();
        await WaitForStateAsync(server, hello.Contract.SessionId, SessionState.Resuming);
        return (hello.Contract.SessionId, hello.Token!);
    }

    private async Task<ServerHello> ResumeAsync(RawPeer peer, Guid id, byte[] token)
    {
        var offer = new NegotiationOffer([1, 2], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, new ResumeRequest(id, token, 0)).Encode());
        return await ReadHelloAsync(peer);
    }

    private async Task<TetherErrorCode> RefusalAsync(TetherServer server, Guid id, byte[] token)
    {
        await using RawPeer peer = await RawPeer.ConnectAsync(_transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([1, 2], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, new ResumeRequest(id, token, 0)).Encode());
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
        TetherSession session = server.Sessions.Single(s => s.SessionId == id);
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

    /// <summary>An in-memory store that remembers every ticket it was given.</summary>
    private sealed class RecordingStore(TimeProvider clock) : ISessionStore
    {
        private readonly InMemorySessionStore _inner = new(clock);
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _confirmed = new();

        public ConcurrentQueue<SessionTicket> Saved { get; } = new();

        public ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default)
        {
            Saved.Enqueue(ticket);
            ValueTask saved = _inner.SaveAsync(ticket, cancellationToken);
            if (ticket.PreviousTokenHash is null)
            {
                Confirmation(ticket.SessionId).TrySetResult();
            }
            else
            {
                _confirmed[ticket.SessionId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // a rotation awaits confirmation
            }

            return saved;
        }

        public ValueTask<SessionTicket?> FindAsync(Guid sessionId, CancellationToken cancellationToken = default) => _inner.FindAsync(sessionId, cancellationToken);

        public ValueTask RemoveAsync(Guid sessionId, CancellationToken cancellationToken = default) => _inner.RemoveAsync(sessionId, cancellationToken);

        /// <summary>Completes once the session's last rotation was confirmed (its ticket saved again without the previous hash).</summary>
        public Task WaitForConfirmationAsync(Guid id) => Confirmation(id).Task;

        /// <summary>Whether the session's last rotation has been confirmed already.</summary>
        public bool IsConfirmed(Guid id) => _confirmed.TryGetValue(id, out TaskCompletionSource? done) && done.Task.IsCompleted;

        private TaskCompletionSource Confirmation(Guid id) =>
            _confirmed.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Messages.Enqueue(formatter(state, exception) + exception);
        }
    }
}
