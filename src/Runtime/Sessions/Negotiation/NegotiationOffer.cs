namespace Tether;

/// <summary>What a client advertised in its hello: the input of negotiation and of the server's policy hook.</summary>
/// <param name="Versions">Protocol versions the client speaks.</param>
/// <param name="Transports">Transports the client can use, in its order of preference (the one it connected over first).</param>
/// <param name="Requested">Services the client needs (required) or can use (optional) from the server.</param>
/// <param name="ClientServices">Services the client itself handles (its push handlers).</param>
/// <param name="WantsResume">Whether the client asks for a resumable session.</param>
public sealed record NegotiationOffer(
    IReadOnlyList<int> Versions,
    IReadOnlyList<string> Transports,
    IReadOnlyList<CapabilityRequest> Requested,
    IReadOnlyList<Capability> ClientServices,
    bool WantsResume)
{
    /// <summary>The compression algorithms the client offers, most preferred first (empty: none).</summary>
    public IReadOnlyList<CompressionAlgorithm> Compression { get; init; } = [];
}
