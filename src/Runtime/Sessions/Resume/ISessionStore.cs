namespace Tether;

/// <summary>
/// Where a server keeps what it needs to recognise a returning client (SPEC R4.5, R4.7): per session, the SHA-256 of
/// its current resume token (never the token), the previous hash while a rotation is unconfirmed, and when the
/// ticket expires. Implementations must be safe for concurrent use.
/// </summary>
public interface ISessionStore
{
    /// <summary>Creates or replaces the ticket of <see cref="SessionTicket.SessionId"/>.</summary>
    ValueTask SaveAsync(SessionTicket ticket, CancellationToken cancellationToken = default);

    /// <summary>The ticket of <paramref name="sessionId"/>, or null if there is none (or it expired).</summary>
    ValueTask<SessionTicket?> FindAsync(Guid sessionId, CancellationToken cancellationToken = default);

    /// <summary>Forgets a session (it closed or expired).</summary>
    ValueTask RemoveAsync(Guid sessionId, CancellationToken cancellationToken = default);
}

/// <summary>What the store keeps per resumable session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="TokenHash">SHA-256 of the current resume token.</param>
/// <param name="PreviousTokenHash">
/// SHA-256 of the token before the last rotation, kept until the client shows (by its acknowledgement on the new link)
/// that it received the new one, so a link that fails mid-resume leaves the session resumable. Null once confirmed.
/// </param>
/// <param name="ExpiresAt">When the ticket stops being accepted: the resume window after the link was lost (<see cref="DateTimeOffset.MaxValue"/> while attached).</param>
public sealed record SessionTicket(Guid SessionId, byte[] TokenHash, byte[]? PreviousTokenHash, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// The number of the client's last granted resume hello (0 before the first resume). A resume hello must carry a
    /// higher number: one from a link the client gave up on, arriving after a later resume was granted, is refused
    /// even while the previous token is still good, instead of superseding the live link.
    /// </summary>
    public ulong LastResumeAttempt { get; init; }
}
