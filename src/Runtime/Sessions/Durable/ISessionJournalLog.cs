namespace Tether.Sessions.Durable;

/// <summary>
/// Where a session journal keeps its records when they must outlive the node as well as the process: a store every
/// node of a cluster reaches (Tether.Redis), from which the node a client resumes on claims the session. Records are
/// kept per session: the engine's records in order, its ticket (contract and token hashes) apart.
/// </summary>
/// <remarks>
/// The engine appends its records under its output lock, so their order is the wire's; an implementation must keep
/// the order in which <see cref="AppendAsync"/> and <see cref="RewriteAsync"/> are called for a session. Once another node
/// claimed a session, this node's writes for it must fail (fencing), so a node that lost its client cannot undo the
/// state the new node continues from.
/// </remarks>
internal interface ISessionJournalLog : IAsyncDisposable
{
    /// <summary>Appends one engine record of <paramref name="session"/>; completes once stored, fails typed if the store is unreachable or another node holds the session.</summary>
    ValueTask AppendAsync(Guid session, ReadOnlySpan<byte> record);

    /// <summary>Replaces the ticket record of <paramref name="session"/> (a new session's first save makes this node its holder).</summary>
    ValueTask SaveTicketAsync(Guid session, ReadOnlySpan<byte> record);

    /// <summary>Forgets the session (it ended), unless another node holds it now.</summary>
    ValueTask RemoveAsync(Guid session);

    /// <summary>The ticket record of a session, or null: read to check a resume's token before claiming.</summary>
    ValueTask<byte[]?> FindTicketAsync(Guid session);

    /// <summary>Whether this node still holds the session (no other node claimed it since).</summary>
    ValueTask<bool> HoldsAsync(Guid session);

    /// <summary>Makes this node the session's holder and returns its ticket and records, or null if the store has no such session.</summary>
    ValueTask<ClaimedSession?> ClaimAsync(Guid session);

    /// <summary>Counts an appended record; true when the session's records are worth compacting (rewriting as its state).</summary>
    bool CountAppended(Guid session);

    /// <summary>
    /// Set by the journal: called when the store could not take a record of the session (unreachable) or lost what it
    /// had (restarted empty). The session carries on — the store is a copy for another node to continue from — and the
    /// journal writes the session whole again (<see cref="RewriteAsync"/>) once the store is back.
    /// </summary>
    Action<Guid>? RewriteNeeded { get; set; }

    /// <summary>
    /// Replaces everything the store has of the session with <paramref name="ticket"/> and <paramref name="records"/>
    /// (its current state). Called under the engine's output lock, so no record of the session is appended meanwhile:
    /// it must issue the write at once, in order with the appends, and may complete later. False if another node holds
    /// the session; <see cref="TetherErrorCode.StoreUnavailable"/> if the store is unreachable.
    /// </summary>
    Task<bool> RewriteAsync(Guid session, byte[] ticket, IReadOnlyList<byte[]> records);
}

/// <summary>A session taken over from the shared store: its ticket record and its engine records, in order.</summary>
internal sealed record ClaimedSession(byte[] Ticket, IReadOnlyList<byte[]> Records);
