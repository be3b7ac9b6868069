namespace Tether;

/// <summary>
/// Names one incoming message or call of a durable session: its session and its number in that session. The same
/// message always has the same id, also when a server restarted by a crash hands it to its handler again.
/// </summary>
/// <param name="SessionId">The session.</param>
/// <param name="Sequence">The frame's number in the session (from 1).</param>
public readonly record struct DeliveryId(Guid SessionId, ulong Sequence)
{
    /// <summary>"session/sequence", for logs and as a key.</summary>
    public override string ToString() => $"{SessionId:N}/{Sequence}";
}
