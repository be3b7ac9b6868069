using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Tether.Quic.Interop;
using Tether.Transport.Tls;

namespace Tether.Quic.Tls;

/// <summary>
/// The GnuTLS side of one QUIC transport, built once from <see cref="TetherTlsOptions"/>: certificate credentials
/// (this side's certificate, chain and key), the ALPN list and the cipher priorities. Each connection gets its own
/// session from <see cref="CreateSession"/>; certificates are validated by the same code as TLS over TCP.
/// </summary>
/// <remarks>Connections hold a reference to the context, so the native credentials (freed by the finalizer) outlive
/// every session that uses them.</remarks>
internal sealed unsafe class QuicTlsContext
{
    // TLS 1.3 only, AEADs QUIC defines, the common groups; no middlebox compatibility mode (RFC 9001 §8.4).
    private static readonly byte[] s_priority = Encoding.ASCII.GetBytes(
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:" +
        "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%DISABLE_TLS13_COMPAT_MODE\0");

    private readonly void* _credentials;
    private readonly byte[][] _protocols;

    /// <summary>Builds the credentials; throws <see cref="InvalidOperationException"/> for unusable options.</summary>
    public QuicTlsContext(TetherTlsOptions options, bool server)
    {
        options.Validate(server);
        Options = options;
        IsServer = server;
        _protocols = options.ApplicationProtocols.Select(Encoding.ASCII.GetBytes).ToArray();
        void* credentials;
        Check(GnuTls.certificate_allocate_credentials(&credentials), "allocate certificate credentials");
        _credentials = credentials;
        if (options.Certificate is { } certificate)
        {
            LoadCertificate(certificate, options.CertificateChain);
        }
    }

    ~QuicTlsContext() => GnuTls.certificate_free_credentials(_credentials);

    /// <summary>The options this context was built from.</summary>
    public TetherTlsOptions Options { get; }

    /// <summary>Whether sessions are server sessions.</summary>
    public bool IsServer { get; }

    /// <summary>
    /// A new session for one connection. <paramref name="connectionReference"/> is what the crypto helper and
    /// <paramref name="verify"/> find through <c>gnutls_session_get_ptr</c>.
    /// </summary>
    /// <param name="connectionReference">Native memory that outlives the session.</param>
    /// <param name="serverName">Client: the SNI to send (null for IP literals).</param>
    /// <param name="verify">The certificate verify callback (<c>int (*)(gnutls_session_t)</c>).</param>
    public void* CreateSession(ngtcp2_crypto_conn_ref* connectionReference, string? serverName, delegate* unmanaged<void*, int> verify)
    {
        void* session;
        Check(GnuTls.init(&session, (IsServer ? GnuTls.Server : GnuTls.Client) | GnuTls.NoEndOfEarlyData), "init a session");
        try
        {
            int configured = IsServer ? Ngtcp2Crypto.configure_server_session(session) : Ngtcp2Crypto.configure_client_session(session);
            if (configured != 0)
            {
                throw new InvalidOperationException($"ngtcp2_crypto_gnutls could not configure the session ({configured}).");
            }

            fixed (byte* priority = s_priority)
            {
                byte* errorPosition;
                Check(GnuTls.priority_set_direct(session, priority, &errorPosition), "set priorities");
            }

            Check(GnuTls.credentials_set(session, GnuTls.CredentialsCertificate, _credentials), "set credentials");
            SetProtocols(session);
            if (IsServer && Options.ClientCertificates != ClientCertificateMode.None)
            {
                // Required: GnuTLS itself refuses a client without a certificate (alert certificate_required).
                GnuTls.certificate_server_set_request(session,
                    Options.ClientCertificates == ClientCertificateMode.Required ? GnuTls.CertificateRequire : GnuTls.CertificateRequest);
            }

            if (!IsServer && serverName is not null)
            {
                byte[] name = Encoding.ASCII.GetBytes(serverName);
                fixed (byte* pointer = name)
                {
                    Check(GnuTls.server_name_set(session, GnuTls.NameDns, pointer, (nuint)name.Length), "set the server name");
                }
            }

            GnuTls.session_set_verify_function(session, verify);
            GnuTls.session_set_ptr(session, connectionReference);
            return session;
        }
        catch
        {
            GnuTls.deinit(session);
            throw;
        }
    }

    /// <summary>The peer's certificate chain (leaf first) from a session, or nulls when it sent none.</summary>
    public static (X509Certificate2? Leaf, X509Certificate2Collection? Intermediates) PeerCertificates(void* session)
    {
        uint count;
        gnutls_datum_t* peers = GnuTls.certificate_get_peers(session, &count);
        if (peers is null || count == 0)
        {
            return (null, null);
        }

        var leaf = X509CertificateLoader.LoadCertificate(new ReadOnlySpan<byte>(peers[0].data, (int)peers[0].size));
        X509Certificate2Collection? intermediates = null;
        for (uint i = 1; i < count; i++)
        {
            intermediates ??= [];
            intermediates.Add(X509CertificateLoader.LoadCertificate(new ReadOnlySpan<byte>(peers[i].data, (int)peers[i].size)));
        }

        return (leaf, intermediates);
    }

    /// <summary>The protocol ALPN settled on, or null.</summary>
    public static string? SelectedProtocol(void* session)
    {
        gnutls_datum_t protocol;
        return GnuTls.alpn_get_selected_protocol(session, &protocol) == 0
            ? Encoding.ASCII.GetString(protocol.data, (int)protocol.size)
            : null;
    }

    private void SetProtocols(void* session)
    {
        // GnuTLS copies the list, so pinning for the call is enough.
        var handles = new GCHandle[_protocols.Length];
        gnutls_datum_t* datums = stackalloc gnutls_datum_t[_protocols.Length];
        try
        {
            for (int i = 0; i < _protocols.Length; i++)
            {
                handles[i] = GCHandle.Alloc(_protocols[i], GCHandleType.Pinned);
                datums[i] = new gnutls_datum_t { data = (byte*)handles[i].AddrOfPinnedObject(), size = (uint)_protocols[i].Length };
            }

            Check(GnuTls.alpn_set_protocols(session, datums, (uint)_protocols.Length,
                GnuTls.AlpnMandatory | (IsServer ? GnuTls.AlpnServerPrecedence : 0)), "set ALPN protocols");
        }
        finally
        {
            foreach (GCHandle handle in handles)
            {
                if (handle.IsAllocated)
                {
                    handle.Free();
                }
            }
        }
    }

    private void LoadCertificate(X509Certificate2 certificate, X509Certificate2Collection? chain)
    {
        var pem = new StringBuilder(certificate.ExportCertificatePem()).Append('\n');
        foreach (X509Certificate2 intermediate in chain ?? [])
        {
            pem.Append(intermediate.ExportCertificatePem()).Append('\n');
        }

        byte[] certificates = Encoding.ASCII.GetBytes(pem.ToString());
        byte[] key = ExportPrivateKey(certificate);
        try
        {
            fixed (byte* certificatePointer = certificates)
            fixed (byte* keyPointer = key)
            {
                gnutls_datum_t certificateDatum = new() { data = certificatePointer, size = (uint)certificates.Length };
                gnutls_datum_t keyDatum = new() { data = keyPointer, size = (uint)key.Length };
                Check(GnuTls.certificate_set_x509_key_mem2(_credentials, &certificateDatum, &keyDatum, GnuTls.X509FormatPem, null, 0),
                    "load the certificate and its key");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] ExportPrivateKey(X509Certificate2 certificate)
    {
        try
        {
            using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey();
            if (key is null)
            {
                throw new InvalidOperationException($"The certificate {certificate.Subject} has no ECDSA or RSA private key.");
            }

            return Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"The private key of {certificate.Subject} cannot be exported for GnuTLS (load it with X509KeyStorageFlags.Exportable).", e);
        }
    }

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"GnuTLS could not {what}: {GnuTls.ErrorText(result)}.");
        }
    }
}
