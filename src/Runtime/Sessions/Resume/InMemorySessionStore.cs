using System.Collections.Concurrent;

namespace Tether;

/// <summary>The default <see cref="ISessionStore"/>: tickets in a concurrent dictionary, expired ones dropped when looked up or swept.</summary>
/// <remarks>Tickets do not survive a restart; neither do the sessions they resume (their replay buffers are in memory too).</remarks>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<Guid, SessionTicket> _tickets = new();
    private readonly TimeProvider _clock;

    /// <summary>Creates a store that judges expiry by <paramref name="clock"/> (default: the system clock).</summary>
    public InMemorySessionStore(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Tickets held now (expired ones included until swept).</summary>
    public int Count => _tickets.Count;

    /// <inheritdoc />
    public ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        _tickets[ticket.SessionId] = ticket;
        return default;
    }

    /// <inheritdoc />
    public ValueTask<SessionTicket?> FindAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        if (!_tickets.TryGetValue(sessionId, out SessionTicket? ticket))
        {
            return default;
        }

        if (ticket.ExpiresAt <= _clock.GetUtcNow())
        {
            _tickets.TryRemove(new KeyValuePair<Guid, SessionTicket>(sessionId, ticket));
            return default;
        }

        return new ValueTask<SessionTicket?>(ticket);
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        _tickets.TryRemove(sessionId, out _);
        return default;
    }

    /// <summary>Drops every expired ticket.</summary>
    public void Sweep()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        foreach (KeyValuePair<Guid, SessionTicket> entry in _tickets)
        {
            if (entry.Value.ExpiresAt <= now)
            {
                _tickets.TryRemove(entry);
            }
        }
    }
}
