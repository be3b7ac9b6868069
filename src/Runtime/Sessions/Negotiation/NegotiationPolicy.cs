using Tether.Framing;

namespace Tether;

/// <summary>
/// The server's side of negotiation (SPEC R4.1): which versions and transports it accepts and prefers, what it
/// requires of clients, and a hook that sees each offer with the proposed contract and may change or refuse it.
/// </summary>
public sealed class NegotiationPolicy
{
    /// <summary>Protocol versions the server speaks. The highest one the client also speaks is selected.</summary>
    /// <remarks>Defaults to <see cref="ProtocolConstants.Version"/> (3), the only version this build speaks; validation refuses any other.</remarks>
    public IList<int> Versions { get; } = [ProtocolConstants.Version];

    /// <summary>Lowest version accepted, for a build that speaks several.</summary>
    /// <remarks>Defaults to <see cref="ProtocolConstants.Version"/>.</remarks>
    public int MinimumVersion { get; set; } = ProtocolConstants.Version;

    /// <summary>Transports in the server's order of preference; those not listed come after, in the client's order.</summary>
    public IList<string> TransportPriority { get; } = [];

    /// <summary>Services every client must handle (its push handlers), or be refused with <see cref="TetherErrorCode.MissingCapability"/>.</summary>
    public IList<CapabilityRequest> RequiredClientServices { get; } = [];

    /// <summary>Whether sessions may be resumable (when the client asks).</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool AllowResume { get; set; } = true;

    /// <summary>
    /// Called with each offer and the contract the rules above produced; return it, return a changed contract
    /// (a lower version, fewer services, no resume), or throw a <see cref="TetherException"/> (usually
    /// <see cref="TetherErrorCode.RefusedByPolicy"/>) to refuse the client with that code and message.
    /// </summary>
    public Func<NegotiationOffer, SessionContract, SessionContract>? OnNegotiate { get; set; }
}
