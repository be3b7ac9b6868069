using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tether.Connections;
using Tether.Storage;

namespace Tether.Sessions.Durable;

/// <summary>
/// The durable session store (SPEC R4.7, R4.5 across a crash): tickets, and for every resumable session the frames
/// the server sent that the client has not acknowledged and how far the client's frames were handled, in a
/// <see cref="DurableStore"/>. Opening it recovers what a killed server held; <see cref="TakeRecovered"/> hands those
/// sessions to the server, which rebuilds an engine for each that the client resumes as if only its link had dropped.
/// </summary>
/// <remarks>
/// Engines write their records themselves (<see cref="DurableSession"/>, under their output lock, so the log's order
/// is the wire's). A snapshot asks each live engine for its state under the same lock.
/// </remarks>
internal sealed class SessionJournal : ISessionStore, IDurableState, IAsyncDisposable
{
    private ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly TimeProvider _clock;
    private Dictionary<Guid, RecoveredSession>? _recovered = [];
    private TicketReader? _tickets = new();
    private readonly ArrayBufferWriter<byte> _snapshotBuffer = new(256);
    private DurableStore? _store;
    private ISessionJournalLog? _log;
    private System.Threading.Channels.Channel<Guid>? _compactions;
    private Task _compacting = Task.CompletedTask;

    private SessionJournal(TimeProvider clock)
    {
        _clock = clock;
    }

    public DurableStore Store => _store!;

    /// <summary>Whether the journal is shared by several nodes: sessions are claimed from it when their client resumes here, not recovered at start.</summary>
    public bool ClaimsOnResume => _log is not null;

    /// <summary>A journal in a store shared by the nodes of a cluster (<see cref="ISessionJournalLog"/>): nothing to recover at start.</summary>
    public static SessionJournal OpenShared(ISessionJournalLog log, TimeProvider clock)
    {
        var journal = new SessionJournal(clock) { _log = log, _recovered = null, _tickets = null };
        journal._compactions = System.Threading.Channels.Channel.CreateUnbounded<Guid>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
        log.RewriteNeeded = session => journal._compactions.Writer.TryWrite(session);
        journal._compacting = Task.Run(journal.RewriteLoopAsync);
        return journal;
    }

    /// <summary>
    /// Takes a session over from the shared store for a resume whose token matches its ticket (checked before the claim,
    /// so a resume hello with a session id alone cannot move a session): rebuilt as recovery would, or null.
    /// </summary>
    public async ValueTask<RecoveredSession?> TryClaimAsync(Guid sessionId, ReadOnlyMemory<byte> token)
    {
        ISessionJournalLog log = _log!;
        if (await log.FindTicketAsync(sessionId).ConfigureAwait(false) is not { } ticketRecord)
        {
            return null;
        }

        SessionTicket shown = new TicketReader().Read(ticketRecord).Ticket;
        if (!ResumeTokens.Matches(token.Span, shown.TokenHash) && !(shown.PreviousTokenHash is { } previous && ResumeTokens.Matches(token.Span, previous)))
        {
            return null; // not this session's client: the normal checks refuse it as unknown
        }

        if (await log.ClaimAsync(sessionId).ConfigureAwait(false) is not { } claimed)
        {
            return null;
        }

        var sessions = new Dictionary<Guid, RecoveredSession>();
        var tickets = new TicketReader();
        ApplyTo(sessions, tickets, claimed.Ticket);
        foreach (byte[] record in claimed.Records)
        {
            ApplyTo(sessions, tickets, record);
        }

        if (!sessions.TryGetValue(sessionId, out RecoveredSession? session) || session.Ticket.Ticket.ExpiresAt <= _clock.GetUtcNow())
        {
            return null;
        }

        _entries[sessionId] = new Entry(session.Ticket);
        return session;
    }

    /// <summary>Whether this node still holds the session in the shared store (its client has not resumed elsewhere since).</summary>
    public ValueTask<bool> HoldsAsync(Guid sessionId) => _log!.HoldsAsync(sessionId);

    /// <summary>
    /// Writes sessions whole into the shared store: compactions (every so many records) and rewrites after the store was
    /// unreachable or lost them, retried until the store takes them. Until then such a session runs on here, unprotected
    /// against this node's loss (logged).
    /// </summary>
    private async Task RewriteLoopAsync()
    {
        ISessionJournalLog log = _log!;
        System.Threading.Channels.ChannelReader<Guid> requests = _compactions!.Reader;
        var due = new HashSet<Guid>();
        while (true)
        {
            if (due.Count == 0)
            {
                if (!await requests.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
            else
            {
                // Some are waiting for the store to come back: look again shortly, or sooner if more arrive.
                using var pause = new CancellationTokenSource(TimeSpan.FromMilliseconds(250));
                try
                {
                    if (!await requests.WaitToReadAsync(pause.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (pause.IsCancellationRequested)
                {
                }
            }

            while (requests.TryRead(out Guid requested))
            {
                due.Add(requested);
            }

            foreach (Guid session in due.ToArray())
            {
                if (Volatile.Read(ref _abandoned) || !_entries.TryGetValue(session, out Entry? entry) || entry.Session is not { } durable)
                {
                    due.Remove(session); // ended, or not attached yet (its first records come with it)
                    continue;
                }

                try
                {
                    Task<bool>? rewritten;
                    lock (entry) // the ticket read and the rewrite issued together: a ticket saved meanwhile lands after it
                    {
                        rewritten = durable.Rewrite(log, JournalRecords.Ticket(entry.Ticket));
                    }

                    if (rewritten is not null)
                    {
                        await rewritten.ConfigureAwait(false); // false: another node holds it now; nothing more to do here
                    }

                    due.Remove(session);
                }
                catch (TetherException e) when (e.Code == TetherErrorCode.StoreUnavailable)
                {
                    // Still unreachable: stays due.
                }
            }
        }
    }

    /// <summary>Opens (and recovers) the journal in <paramref name="options"/>' directory.</summary>
    public static SessionJournal Open(DurableStoreOptions options, TimeProvider clock, ILogger logger)
    {
        var journal = new SessionJournal(clock);
        journal._store = DurableStore.Open(options, journal, logger);
        return journal;
    }

    /// <summary>The sessions recovery found that have not expired (once; afterwards the live engines are the state).</summary>
    public IReadOnlyList<RecoveredSession> TakeRecovered()
    {
        Dictionary<Guid, RecoveredSession> recovered = Interlocked.Exchange(ref _recovered, null) ?? [];
        _tickets = null;
        DateTimeOffset now = _clock.GetUtcNow();
        var live = new List<RecoveredSession>(recovered.Count);
        if (_entries.IsEmpty)
        {
            _entries = new ConcurrentDictionary<Guid, Entry>(Environment.ProcessorCount, recovered.Count + 1024); // sized once, not grown a million times
        }

        foreach (RecoveredSession session in recovered.Values)
        {
            if (session.Ticket.Ticket.ExpiresAt > now)
            {
                live.Add(session);
                _entries[session.Ticket.Ticket.SessionId] = new Entry(session.Ticket);
            }
        }

        return live;
    }

    /// <summary>A new resumable session: what a restarted server needs besides its ticket.</summary>
    public void Describe(SessionContract contract, string? subject, byte[]? certificateHash)
    {
        var placeholder = new SessionTicket(contract.SessionId, [], null, DateTimeOffset.MaxValue);
        _entries[contract.SessionId] = new Entry(new JournaledTicket(placeholder, contract.Version, contract.Transport, contract.Services, contract.ClientServices, subject, certificateHash));
    }

    /// <summary>The engine that now holds <paramref name="sessionId"/> (snapshots read its state).</summary>
    public DurableSession Attach(Guid sessionId, TetherConnection engine, RecoveredSession? recovered)
    {
        var durable = new DurableSession(this, sessionId, engine, recovered);
        if (_entries.TryGetValue(sessionId, out Entry? entry))
        {
            entry.Session = durable;
        }

        return durable;
    }

    /// <summary>Appends a record of an engine's (its output lock held); in every mode the task waits until the record is written to the OS.</summary>
    public ValueTask Append(ReadOnlySpan<byte> record)
    {
        if (Volatile.Read(ref _abandoned))
        {
            return new ValueTask(s_never);
        }

        if (_log is not { } log)
        {
            return _store!.AppendWrittenAsync(record);
        }

        Guid session = JournalRecords.ReadSession(record);
        ValueTask appended = log.AppendAsync(session, record);
        if (log.CountAppended(session))
        {
            _compactions!.Writer.TryWrite(session);
        }

        return appended;
    }

    private static readonly Task s_never = new TaskCompletionSource().Task;
    private bool _abandoned;

    /// <summary>
    /// Tests: the journal stops taking records as a killed process would (nothing more is written, nothing it gated
    /// leaves), then closes, so another server can open the directory while this one's engines still exist.
    /// </summary>
    public ValueTask AbandonAsync()
    {
        Volatile.Write(ref _abandoned, true);
        return DisposeAsync();
    }

    public async ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _abandoned) || !_entries.TryGetValue(ticket.SessionId, out Entry? entry))
        {
            return; // the session ended meanwhile (its removal is in the log): nothing to keep
        }

        byte[] record;
        lock (entry)
        {
            entry.Ticket = entry.Ticket with { Ticket = ticket };
            record = JournalRecords.Ticket(entry.Ticket);
            ValueTask append = _log is { } log ? log.SaveTicketAsync(ticket.SessionId, record) : _store!.AppendAsync(record);
            if (append.IsCompletedSuccessfully)
            {
                return;
            }

            entry.Pending = append.AsTask();
        }

        await entry.Pending.ConfigureAwait(false);
    }

    public ValueTask<SessionTicket?> FindAsync(Guid sessionId, CancellationToken cancellationToken = default) =>
        new(_entries.TryGetValue(sessionId, out Entry? entry) && entry.Ticket.Ticket.TokenHash.Length > 0 && entry.Ticket.Ticket.ExpiresAt > _clock.GetUtcNow()
            ? entry.Ticket.Ticket
            : null);

    public async ValueTask RemoveAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        if (_entries.TryRemove(sessionId, out _) && !Volatile.Read(ref _abandoned))
        {
            if (_log is { } log)
            {
                await log.RemoveAsync(sessionId).ConfigureAwait(false);
                return;
            }

            Span<byte> record = stackalloc byte[JournalRecords.PrefixSize];
            record[0] = (byte)JournalRecordKind.Removed;
            sessionId.TryWriteBytes(record[1..]);
            await _store!.AppendAsync(record).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is { } store)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }

        if (_log is { } log && _compactions!.Writer.TryComplete())
        {
            await _compacting.ConfigureAwait(false);
            await log.DisposeAsync().ConfigureAwait(false);
        }
    }

    void IDurableState.Apply(ReadOnlySpan<byte> record) => ApplyTo(_recovered!, _tickets!, record);

    private static void ApplyTo(Dictionary<Guid, RecoveredSession> sessions, TicketReader tickets, ReadOnlySpan<byte> record)
    {
        var kind = (JournalRecordKind)record[0];
        Guid id = JournalRecords.ReadSession(record);
        if (kind == JournalRecordKind.Ticket)
        {
            JournaledTicket ticket = tickets.Read(record);
            if (sessions.TryGetValue(id, out RecoveredSession? known))
            {
                known.Ticket = ticket;
            }
            else
            {
                sessions[id] = new RecoveredSession(ticket);
            }

            return;
        }

        if (!sessions.TryGetValue(id, out RecoveredSession? session))
        {
            return; // a record of a session that ended (or whose ticket a damaged log lost)
        }

        ReadOnlySpan<byte> body = record[JournalRecords.PrefixSize..];
        switch (kind)
        {
            case JournalRecordKind.Frames:
                session.AddFrames(body[8..], BinaryPrimitives.ReadUInt64LittleEndian(body));
                break;
            case JournalRecordKind.Completed:
                session.AddFrames(body[8..], 0);
                session.Complete(BinaryPrimitives.ReadUInt64LittleEndian(body));
                break;
            case JournalRecordKind.Acknowledged:
                session.Acknowledge(BinaryPrimitives.ReadUInt64LittleEndian(body));
                break;
            case JournalRecordKind.Watermark:
                session.SetWatermark(BinaryPrimitives.ReadUInt64LittleEndian(body));
                break;
            case JournalRecordKind.StreamStarted:
                session.StreamStarted(BinaryPrimitives.ReadUInt64LittleEndian(body), BinaryPrimitives.ReadUInt32LittleEndian(body[8..]));
                break;
            case JournalRecordKind.Removed:
                sessions.Remove(id);
                break;
            default:
                throw new TetherException(TetherErrorCode.StoreCorrupted, $"A session journal record has an unknown kind {(byte)kind}.");
        }
    }

    void IDurableState.WriteSnapshot(SnapshotWriter writer)
    {
        foreach (Entry entry in _entries.Values)
        {
            JournaledTicket ticket;
            lock (entry)
            {
                ticket = entry.Ticket;
            }

            if (ticket.Ticket.TokenHash.Length == 0)
            {
                continue; // described, its ticket not saved yet: the log has the ticket when it comes
            }

            _snapshotBuffer.ResetWrittenCount(); // one snapshot at a time: one buffer, not an array per session
            JournalRecords.WriteTicket(_snapshotBuffer, ticket);
            writer.Write(_snapshotBuffer.WrittenSpan);
            entry.Session?.WriteSnapshot(writer);
        }
    }

    private sealed class Entry(JournaledTicket ticket)
    {
        public JournaledTicket Ticket { get; set; } = ticket;

        public DurableSession? Session { get; set; }

        public Task Pending { get; set; } = Task.CompletedTask;
    }
}
