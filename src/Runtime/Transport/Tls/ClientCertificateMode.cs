namespace Tether.Transport.Tls;

/// <summary>Whether a TLS server asks its clients for a certificate (mutual TLS).</summary>
public enum ClientCertificateMode
{
    /// <summary>No client certificate is asked for.</summary>
    None,

    /// <summary>A certificate is asked for and validated when sent; clients without one are still accepted.</summary>
    Optional,

    /// <summary>Every client must present a certificate that chains to a trusted authority (mTLS).</summary>
    Required,
}
