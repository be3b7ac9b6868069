using Tether.Connections;

namespace Tether.Sessions;

/// <summary>What a server engine needs from its server during a hello: the policy and what to negotiate against, and the resumable sessions.</summary>
internal interface ISessionRegistry
{
    NegotiationPolicy Policy { get; }

    IReadOnlyList<Capability> Services { get; }

    IReadOnlyCollection<string> Transports { get; }

    TimeSpan ResumeWindow { get; }

    /// <summary>Whether resumable sessions are kept in the durable journal (they survive the server process).</summary>
    bool Durable { get; }

    /// <summary>The deprecated methods a new session's hello reports (already fitted to the hello's limits).</summary>
    IReadOnlyList<DeprecatedMethod> DeprecatedMethods { get; }

    /// <summary>A new session was negotiated (its contract is set; its server hello not sent yet): it can be found by its id from now on.</summary>
    void Established(TetherConnection session);

    /// <summary>Records a new resumable session and the hash of its first token.</summary>
    ValueTask RegisterAsync(TetherConnection session, byte[] token);

    /// <summary>Checks a resume hello and rotates the token; throws the typed refusal. The grant holds the session's resume gate until it is attached.</summary>
    /// <param name="hello">The resume hello.</param>
    /// <param name="transport">The new link: its transport name is negotiated again, its client certificate must be the session's.</param>
    /// <param name="identity">Who the resume hello authenticated as (null when the server runs no security): it must be the session's principal.</param>
    ValueTask<ResumeGrant> ResumeAsync(ClientHello hello, Transport.TransportConnection transport, Security.SessionIdentity? identity);

    /// <summary>The client showed it has the rotated <paramref name="token"/>: the previous one stops working (unless the token was rotated again since).</summary>
    void Confirm(TetherConnection session, byte[] token);
}

/// <summary>A resume the server accepted: the session, its rotated token, the renewed contract, and who the client authenticated as.</summary>
internal sealed record ResumeGrant(TetherConnection Target, byte[] Token, SessionContract Contract, Security.SessionIdentity? Identity = null);
