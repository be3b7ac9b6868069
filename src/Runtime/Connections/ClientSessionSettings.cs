
namespace Tether.Connections;

/// <summary>What a client engine advertises in its hello.</summary>
internal sealed class ClientSessionSettings
{
    public required IReadOnlyList<CapabilityRequest> Requested { get; init; }

    public required IReadOnlyList<Capability> Services { get; init; }

    public required IReadOnlyList<string> AlternateTransports { get; init; }

    public required bool WantsResume { get; init; }

    /// <summary>Gives the credentials each hello (and each automatic refresh) presents; null: the client presents none.</summary>
    public Func<CancellationToken, ValueTask<Security.TetherCredentials?>>? Credentials { get; init; }

    /// <summary>Refresh before expiry: only with a provider (fixed credentials presented again would not live longer).</summary>
    public bool RefreshesCredentials { get; init; }

    /// <summary>The offer for a link over <paramref name="currentTransport"/>: that transport first, then the alternates.</summary>
    public NegotiationOffer CreateOffer(string currentTransport) => new(
        [Framing.ProtocolConstants.Version],
        [currentTransport, .. AlternateTransports.Where(t => !string.Equals(t, currentTransport, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)],
        Requested,
        Services,
        WantsResume)
    {
        Compression = Compression,
    };

    /// <summary>The compression algorithms offered, most preferred first.</summary>
    public IReadOnlyList<CompressionAlgorithm> Compression { get; init; } = [];
}
