using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tether.Sessions;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>An in-memory store that remembers every ticket it was given, and can hold expiry updates back.</summary>
internal sealed class RecordingStore(TimeProvider clock) : ISessionStore
{
    private readonly InMemorySessionStore _inner = new(clock);
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _confirmed = new();
    private readonly Lock _lock = new();
    private bool _delayExpiries;
    private (SessionTicket Ticket, TaskCompletionSource Written)? _delayed;

    public ConcurrentQueue<SessionTicket> Saved { get; } = new();

    /// <summary>The next expiry saved is written only right after the next rotation (or at once if one came first).</summary>
    public void DelayExpiriesUntilRotation()
    {
        lock (_lock)
        {
            _delayExpiries = true;
        }
    }

    public async ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default)
    {
        (SessionTicket Ticket, TaskCompletionSource Written)? release = null;
        Task? held = null;
        lock (_lock)
        {
            if (_delayExpiries && ticket.ExpiresAt != DateTimeOffset.MaxValue)
            {
                _delayExpiries = false;
                var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _delayed = (ticket, written);
                held = written.Task;
            }
            else if (ticket.PreviousTokenHash is not null)
            {
                _delayExpiries = false;
                release = _delayed;
                _delayed = null;
            }
        }

        if (held is not null)
        {
            await held;
            return;
        }

        await Record(ticket, cancellationToken);
        if (release is { } late)
        {
            await Record(late.Ticket, cancellationToken); // the held expiry lands right after the rotation
            late.Written.TrySetResult();
        }
    }

    private ValueTask Record(SessionTicket ticket, CancellationToken cancellationToken)
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

/// <summary>Accepts through <paramref name="inner"/>; the first connection's dispose waits until <see cref="ReleaseDispose"/>.</summary>
internal sealed class DisposeHoldingListenerFactory(Transport.ITransportListenerFactory inner) : Transport.ITransportListenerFactory
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _accepted;

    public Task DisposeStarted => _started.Task;

    public void ReleaseDispose() => _release.TrySetResult();

    public async ValueTask<Transport.ITransportListener> BindAsync(System.Net.EndPoint endPoint, Transport.TransportConnectionOptions options, CancellationToken cancellationToken = default) =>
        new Listener(await inner.BindAsync(endPoint, options, cancellationToken), this);

    private sealed class Listener(Transport.ITransportListener inner, DisposeHoldingListenerFactory owner) : Transport.ITransportListener
    {
        public System.Net.EndPoint EndPoint => inner.EndPoint;

        public string TransportName => inner.TransportName;

        public async ValueTask<Transport.TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            Transport.TransportConnection? accepted = await inner.AcceptAsync(cancellationToken);
            return accepted is not null && Interlocked.Increment(ref owner._accepted) == 1 ? new HeldConnection(accepted, owner) : accepted;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class HeldConnection(Transport.TransportConnection inner, DisposeHoldingListenerFactory owner) : Transport.TransportConnection
    {
        public override System.IO.Pipelines.PipeReader Input => inner.Input;

        public override System.IO.Pipelines.PipeWriter Output => inner.Output;

        public override string TransportName => inner.TransportName;

        public override System.Net.EndPoint? LocalEndPoint => inner.LocalEndPoint;

        public override System.Net.EndPoint? RemoteEndPoint => inner.RemoteEndPoint;

        public override long BytesSent => inner.BytesSent;

        public override long BytesReceived => inner.BytesReceived;

        public override CancellationToken ConnectionClosed => inner.ConnectionClosed;

        public override void Abort(Exception? reason = null) => inner.Abort(reason);

        public override async ValueTask DisposeAsync()
        {
            owner._started.TrySetResult();
            await owner._release.Task;
            await inner.DisposeAsync();
        }
    }
}

internal sealed class LogCapture : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<(string Fragment, TaskCompletionSource Seen)> _waiters = [];

    public ConcurrentQueue<string> Messages { get; } = new();

    /// <summary>Completes once a message containing <paramref name="fragment"/> was logged (already or later).</summary>
    public Task WaitForAsync(string fragment)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (Messages.Any(m => m.Contains(fragment, StringComparison.Ordinal)))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((fragment, seen));
        }

        return seen.Task;
    }

    private void Add(string message)
    {
        lock (_lock)
        {
            Messages.Enqueue(message);
            foreach (var (fragment, seen) in _waiters)
            {
                if (message.Contains(fragment, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            }
        }
    }

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
            owner.Add(formatter(state, exception) + exception);
    }
}
