using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Conformance.Tests.Support;

/// <summary>
/// A throwaway PKI made in memory for the TLS tests: a trusted root, a server certificate for localhost and the
/// loopback addresses, a client certificate, and a second (untrusted) root with its own server certificate.
/// </summary>
public static class TestCertificates
{
    private static readonly Lazy<Pki> s_pki = new(static () => new Pki());

    /// <summary>The root the tests trust.</summary>
    public static X509Certificate2 Authority => s_pki.Value.Authority;

    /// <summary>Server certificate for localhost, 127.0.0.1 and ::1, issued by <see cref="Authority"/>.</summary>
    public static X509Certificate2 Server => s_pki.Value.Server;

    /// <summary>Server certificate for another host only (name mismatch on loopback), issued by <see cref="Authority"/>.</summary>
    public static X509Certificate2 OtherHostServer => s_pki.Value.OtherHostServer;

    /// <summary>Client certificate (CN=tether-test-client), issued by <see cref="Authority"/>.</summary>
    public static X509Certificate2 Client => s_pki.Value.Client;

    /// <summary>A second client certificate (CN=tether-second-client), issued by <see cref="Authority"/>.</summary>
    public static X509Certificate2 SecondClient => s_pki.Value.SecondClient;

    /// <summary>A root nobody trusts.</summary>
    public static X509Certificate2 RogueAuthority => s_pki.Value.RogueAuthority;

    /// <summary>Server certificate for loopback issued by <see cref="RogueAuthority"/>.</summary>
    public static X509Certificate2 RogueServer => s_pki.Value.RogueServer;

    /// <summary>Client certificate issued by <see cref="RogueAuthority"/>.</summary>
    public static X509Certificate2 RogueClient => s_pki.Value.RogueClient;

    private sealed class Pki
    {
        public Pki()
        {
            Authority = CreateRoot("CN=Tether Test Root");
            Server = CreateLeaf(Authority, "CN=localhost", server: true, "localhost");
            OtherHostServer = CreateLeaf(Authority, "CN=elsewhere.example", server: true, "elsewhere.example");
            Client = CreateLeaf(Authority, "CN=tether-test-client", server: false);
            SecondClient = CreateLeaf(Authority, "CN=tether-second-client", server: false);
            RogueAuthority = CreateRoot("CN=Rogue Root");
            RogueServer = CreateLeaf(RogueAuthority, "CN=localhost", server: true, "localhost");
            RogueClient = CreateLeaf(RogueAuthority, "CN=rogue-client", server: false);
        }

        public X509Certificate2 Authority { get; }

        public X509Certificate2 Server { get; }

        public X509Certificate2 OtherHostServer { get; }

        public X509Certificate2 Client { get; }

        public X509Certificate2 SecondClient { get; }

        public X509Certificate2 RogueAuthority { get; }

        public X509Certificate2 RogueServer { get; }

        public X509Certificate2 RogueClient { get; }

        private static X509Certificate2 CreateRoot(string subject)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        }

        private static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string subject, bool server, string? dnsName = null)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddDnsName(dnsName!);
                if (dnsName == "localhost")
                {
                    names.AddIpAddress(IPAddress.Loopback);
                    names.AddIpAddress(IPAddress.IPv6Loopback);
                }

                request.CertificateExtensions.Add(names.Build());
            }

            byte[] serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7F;
            using X509Certificate2 signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90), serial);
            using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
            // A PKCS#12 round trip gives a certificate whose key every TLS stack can use (and that outlives 'key').
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }
}
