using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Transport.Tls;

/// <summary>
/// Validates a peer's certificate against <see cref="TetherTlsOptions"/>: one implementation for every TLS stack
/// (SslStream over TCP, GnuTLS under QUIC), so both refuse exactly the same peers with the same typed errors.
/// </summary>
internal static class CertificateValidation
{
    private static readonly Oid s_serverAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid s_clientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Client side: the server's certificate must chain to a trusted root and carry <paramref name="host"/>.</summary>
    /// <returns>Null when the certificate is acceptable, otherwise the typed reason.</returns>
    public static TetherException? ValidateServer(X509Certificate2? certificate, X509Certificate2Collection? intermediates, TetherTlsOptions options, string host)
    {
        if (certificate is null)
        {
            return new TetherException(TetherErrorCode.UntrustedCertificate, "The server presented no certificate.");
        }

        if (ValidateChain(certificate, intermediates, options, s_serverAuthentication) is { } untrusted)
        {
            return untrusted;
        }

        return certificate.MatchesHostname(host, allowWildcards: true, allowCommonName: false)
            ? null
            : new TetherException(TetherErrorCode.CertificateNameMismatch,
                $"The server's certificate ({certificate.Subject}) is not issued for '{host}'.");
    }

    /// <summary>Server side: a client certificate, when asked for, must chain to a trusted root.</summary>
    /// <returns>Null when the client is acceptable, otherwise the typed reason.</returns>
    public static TetherException? ValidateClient(X509Certificate2? certificate, X509Certificate2Collection? intermediates, TetherTlsOptions options)
    {
        if (certificate is null)
        {
            return options.ClientCertificates == ClientCertificateMode.Required
                ? new TetherException(TetherErrorCode.ClientCertificateRequired, "The server requires a client certificate (mTLS) and the client presented none.")
                : null;
        }

        return ValidateChain(certificate, intermediates, options, s_clientAuthentication);
    }

    private static TetherException? ValidateChain(X509Certificate2 certificate, X509Certificate2Collection? intermediates, TetherTlsOptions options, Oid usage)
    {
        using var chain = new X509Chain();
        X509ChainPolicy policy = chain.ChainPolicy;
        policy.RevocationMode = options.CheckRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        policy.ApplicationPolicy.Add(usage);
        if (options.TrustedAuthorities.Count > 0)
        {
            // Only the configured roots: a certificate the system store trusts is not enough.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(options.TrustedAuthorities);
        }

        if (intermediates is not null)
        {
            policy.ExtraStore.AddRange(intermediates);
        }

        try
        {
            if (chain.Build(certificate))
            {
                return null;
            }

            string problems = string.Join("; ", chain.ChainStatus.Select(static s => s.StatusInformation.Trim()).Where(static s => s.Length > 0).Distinct());
            return new TetherException(TetherErrorCode.UntrustedCertificate,
                $"The peer's certificate ({certificate.Subject}) is not trusted: {(problems.Length > 0 ? problems : "its chain does not end in a trusted authority")}.");
        }
        finally
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
