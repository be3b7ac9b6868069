using System.Security.Cryptography.X509Certificates;

namespace Tether.Transport.Tls;

/// <summary>
/// TLS settings shared by every secured transport (TLS over TCP through <see cref="System.Net.Security.SslStream"/>,
/// QUIC through GnuTLS): one object drives both, so a session can move between them without a second configuration.
/// </summary>
/// <remarks>TLS 1.3 only (1.2 is accepted over TCP when <see cref="AllowTls12"/> is set). Certificates are validated
/// for real: the chain must end in <see cref="TrustedAuthorities"/> (or the system store when that is empty), and a
/// client checks the server's name against <see cref="TargetHost"/>.</remarks>
public sealed class TetherTlsOptions
{
    /// <summary>The ALPN protocol id Tether speaks.</summary>
    public const string TetherProtocol = "tether/1";

    /// <summary>
    /// This side's certificate with its private key: required on a server; on a client, the certificate presented
    /// when the server asks for one (mTLS).
    /// </summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Intermediate certificates sent with <see cref="Certificate"/>, leaf first excluded.</summary>
    public X509Certificate2Collection? CertificateChain { get; set; }

    /// <summary>
    /// Root authorities the peer's chain must end in. When empty, the operating system's store is used.
    /// </summary>
    public X509Certificate2Collection TrustedAuthorities { get; } = [];

    /// <summary>Client: the host name the server's certificate must carry. When null, the host of the endpoint connected to.</summary>
    public string? TargetHost { get; set; }

    /// <summary>Server: whether clients are asked for a certificate.</summary>
    /// <remarks>Defaults to <see cref="ClientCertificateMode.None"/>.</remarks>
    public ClientCertificateMode ClientCertificates { get; set; } = ClientCertificateMode.None;

    /// <summary>ALPN protocols offered (client) or accepted (server), in preference order.</summary>
    /// <remarks>Defaults to <c>tether/1</c>. A handshake that agrees on none fails with <see cref="TetherErrorCode.ApplicationProtocolMismatch"/>.</remarks>
    public IList<string> ApplicationProtocols { get; } = [TetherProtocol];

    /// <summary>Checks revocation (online) while validating chains.</summary>
    /// <remarks>Defaults to false: loopback and private deployments usually have no reachable CRL or OCSP responder.</remarks>
    public bool CheckRevocation { get; set; }

    /// <summary>Accepts TLS 1.2 over TCP as well as 1.3 (QUIC always uses 1.3).</summary>
    /// <remarks>Defaults to false.</remarks>
    public bool AllowTls12 { get; set; }

    /// <summary>How long a handshake may take before the connection is dropped.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws when the options cannot work for the given side.</summary>
    /// <exception cref="InvalidOperationException">A server without a certificate with its private key, an empty ALPN list, or a non-positive timeout.</exception>
    public void Validate(bool server)
    {
        foreach (string problem in Problems(server))
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Every reason the options cannot work for the given side (none when they can).</summary>
    internal IEnumerable<string> Problems(bool server)
    {
        if (server && (Certificate is null || !Certificate.HasPrivateKey))
        {
            yield return $"A TLS server needs {nameof(Certificate)}, with its private key.";
        }

        if (!server && Certificate is { HasPrivateKey: false })
        {
            yield return $"The client {nameof(Certificate)} has no private key.";
        }

        if (ApplicationProtocols.Count == 0 || ApplicationProtocols.Any(string.IsNullOrEmpty))
        {
            yield return $"{nameof(ApplicationProtocols)} must name at least one protocol, none empty.";
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            yield return $"{nameof(HandshakeTimeout)} must be positive.";
        }
    }
}
