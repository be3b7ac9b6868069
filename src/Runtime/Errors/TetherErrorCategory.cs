namespace Tether;

/// <summary>Broad classes of failure, used for metrics and retry decisions.</summary>
public enum TetherErrorCategory
{
    /// <summary>Bytes on the wire could not be encoded or decoded.</summary>
    Serialization,

    /// <summary>A call could not be dispatched or its handler failed.</summary>
    Dispatch,

    /// <summary>The peer broke the framing or transport protocol.</summary>
    Protocol,

    /// <summary>Session negotiation, resume or state.</summary>
    Session,

    /// <summary>A configured limit was reached.</summary>
    Limit,

    /// <summary>TLS (certificates, host names, ALPN, client certificates), authentication, authorization and address lists.</summary>
    Security,

    /// <summary>The durable store: disk, corruption, its directory lock.</summary>
    Storage,
}
