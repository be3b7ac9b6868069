using Tether.Framing;

namespace Tether.Sessions;

/// <summary>
/// The server's negotiation (SPEC R4.1): highest common version at or above the policy's minimum, the first common
/// transport in the server's priority order, the requested services it offers, the client services it requires,
/// resume when both want it; then the policy hook. Every failure is a <see cref="TetherException"/> with the typed reason.
/// </summary>
internal static class Negotiator
{
    public static SessionContract Negotiate(
        NegotiationOffer offer,
        NegotiationPolicy policy,
        IReadOnlyList<Capability> serverServices,
        IReadOnlyCollection<string> serverTransports,
        string currentTransport,
        Guid sessionId)
    {
        int version = SelectVersion(offer, policy);
        string transport = offer.Transports.Count > 0
            ? SelectTransport(offer, policy, serverTransports)
            : currentTransport; // a client that advertises no transports (any version-1 client) stays where it is
        Capability[] granted = GrantServices(offer, serverServices);
        CheckClientServices(offer, policy);
        bool resumable = offer.WantsResume && policy.AllowResume;
        var contract = new SessionContract(sessionId, version, transport, granted, offer.ClientServices, resumable);
        if (policy.OnNegotiate is { } hook)
        {
            contract = hook(offer, contract) ?? throw new TetherException(TetherErrorCode.RefusedByPolicy, "The negotiation policy returned no contract.");
            if (contract.SessionId != sessionId || !offer.Versions.Contains(contract.Version) || !policy.Versions.Contains(contract.Version)
                || (contract.Resumable && !offer.WantsResume))
            {
                throw new TetherException(TetherErrorCode.RefusedByPolicy,
                    "The negotiation policy returned a contract neither side can run (its version, session id or resume flag).");
            }
        }

        return contract;
    }

    private static int SelectVersion(NegotiationOffer offer, NegotiationPolicy policy)
    {
        int best = -1;
        foreach (int version in offer.Versions)
        {
            if (version > best && version >= policy.MinimumVersion && policy.Versions.Contains(version))
            {
                best = version;
            }
        }

        return best >= 0
            ? best
            : throw new TetherException(TetherErrorCode.UnsupportedVersion,
                $"No common protocol version: the client speaks {List(offer.Versions)}, the server {List(policy.Versions.Where(v => v >= policy.MinimumVersion))}.");
    }

    private static string SelectTransport(NegotiationOffer offer, NegotiationPolicy policy, IReadOnlyCollection<string> serverTransports)
    {
        bool Usable(string name) => offer.Transports.Contains(name, StringComparer.Ordinal) && serverTransports.Contains(name, StringComparer.Ordinal);
        foreach (string preferred in policy.TransportPriority)
        {
            if (Usable(preferred))
            {
                return preferred;
            }
        }

        foreach (string offered in offer.Transports)
        {
            if (Usable(offered) && (policy.TransportPriority.Count == 0 || !policy.TransportPriority.Contains(offered)))
            {
                return offered;
            }
        }

        throw new TetherException(TetherErrorCode.NoCommonTransport,
            $"No common transport: the client offers {List(offer.Transports)}, the server listens on {List(serverTransports)}.");
    }

    // An exact array: the contract keeps it for the session's life.
    private static Capability[] GrantServices(NegotiationOffer offer, IReadOnlyList<Capability> serverServices)
    {
        var granted = new List<Capability>();
        var missing = new List<CapabilityRequest>();
        foreach (CapabilityRequest request in offer.Requested)
        {
            Capability? match = serverServices.FirstOrDefault(request.IsSatisfiedBy);
            if (match is not null)
            {
                if (!granted.Contains(match))
                {
                    granted.Add(match);
                }
            }
            else if (request.Required)
            {
                missing.Add(request);
            }
        }

        return missing.Count == 0
            ? [.. granted]
            : throw new TetherException(TetherErrorCode.MissingCapability,
                $"The server does not offer {List(missing)} (it offers {List(serverServices)}).");
    }

    private static void CheckClientServices(NegotiationOffer offer, NegotiationPolicy policy)
    {
        var missing = policy.RequiredClientServices.Where(r => !offer.ClientServices.Any(r.IsSatisfiedBy)).ToList();
        if (missing.Count > 0)
        {
            throw new TetherException(TetherErrorCode.MissingCapability,
                $"The server requires the client to handle {List(missing)} (it declares {List(offer.ClientServices)}).");
        }
    }

    private static string List<T>(IEnumerable<T> items)
    {
        string joined = string.Join(", ", items);
        return joined.Length == 0 ? "none" : joined;
    }
}
