using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Transport.Tls;

/// <summary>
/// Builds <see cref="SslStream"/> authentication options from <see cref="TetherTlsOptions"/> and turns handshake
/// failures into typed errors. Validation is ours (<see cref="CertificateValidation"/>), not the platform default, so
/// a configured authority is the only one trusted and the reason for a refusal is known precisely.
/// </summary>
internal sealed class TlsAuthentication
{
    private readonly TetherTlsOptions _options;
    private readonly List<SslApplicationProtocol> _protocols;
    private readonly SslStreamCertificateContext? _certificate;

    public TlsAuthentication(TetherTlsOptions options, bool server)
    {
        options.Validate(server);
        _options = options;
        _protocols = options.ApplicationProtocols.Select(static p => new SslApplicationProtocol(p)).ToList();
        _certificate = options.Certificate is { } certificate
            ? SslStreamCertificateContext.Create(certificate, options.CertificateChain, offline: true)
            : null;
    }

    public TetherTlsOptions Options => _options;

    private SslProtocols Protocols => _options.AllowTls12 ? SslProtocols.Tls12 | SslProtocols.Tls13 : SslProtocols.Tls13;

    /// <summary>Client: authenticates the server on <paramref name="stream"/>; throws a typed <see cref="TetherException"/> on failure.</summary>
    /// <returns>Whether the server asked for a certificate this side did not have (known only without a configured certificate).</returns>
    public async ValueTask<bool> AuthenticateAsClientAsync(SslStream stream, EndPoint endPoint, CancellationToken cancellationToken)
    {
        string host = _options.TargetHost ?? HostOf(endPoint);
        TetherException? rejection = null;
        bool certificateRequested = false;
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = _protocols,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // checked by our validation when asked for
            ClientCertificateContext = _certificate,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                rejection = CertificateValidation.ValidateServer(certificate as X509Certificate2, chain?.ChainPolicy.ExtraStore, _options, host);
                return rejection is null;
            },
        };

        if (_certificate is null)
        {
            // Called once before the handshake and again only when the server's CertificateRequest arrives; under
            // TLS 1.3 the server refuses after the client has finished, so this is how the client learns why.
            authentication.LocalCertificateSelectionCallback = (_, _, _, remote, _) =>
            {
                certificateRequested |= remote is not null;
                return null!;
            };
        }

        await RunAsync(stream.AuthenticateAsClientAsync(authentication, CancellationToken.None), stream, () => rejection, cancellationToken).ConfigureAwait(false);
        CheckProtocol(stream);
        return certificateRequested;
    }

    /// <summary>Server: authenticates the client on <paramref name="stream"/>; throws a typed <see cref="TetherException"/> on failure.</summary>
    public async ValueTask AuthenticateAsServerAsync(SslStream stream, CancellationToken cancellationToken)
    {
        TetherException? rejection = null;
        var authentication = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _certificate,
            ApplicationProtocols = _protocols,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = _options.ClientCertificates != ClientCertificateMode.None,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                rejection = CertificateValidation.ValidateClient(certificate as X509Certificate2, chain?.ChainPolicy.ExtraStore, _options);
                return rejection is null;
            },
        };

        await RunAsync(stream.AuthenticateAsServerAsync(authentication, CancellationToken.None), stream, () => rejection, cancellationToken).ConfigureAwait(false);
        CheckProtocol(stream);
    }

    private async Task RunAsync(Task handshake, SslStream stream, Func<TetherException?> rejection, CancellationToken cancellationToken)
    {
        try
        {
            await handshake.WaitAsync(_options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new TetherException(TetherErrorCode.FrameTimeout, $"The TLS handshake did not finish within {_options.HandshakeTimeout.TotalSeconds:0.#} s.");
        }
        catch (OperationCanceledException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw rejection() ?? Translate(e);
        }
    }

    private void CheckProtocol(SslStream stream)
    {
        SslApplicationProtocol agreed = stream.NegotiatedApplicationProtocol;
        if (agreed.Protocol.IsEmpty || !_protocols.Contains(agreed))
        {
            stream.Dispose();
            throw AlpnMismatch();
        }
    }

    private TetherException AlpnMismatch() =>
        new(TetherErrorCode.ApplicationProtocolMismatch,
            $"The peer agreed on none of the ALPN protocols {string.Join(", ", _options.ApplicationProtocols)}.");

    /// <summary>The platform's words for a failed handshake, as the typed error they mean.</summary>
    private TetherException Translate(Exception e)
    {
        string text = Describe(e);
        if (text.Contains("no application protocol", StringComparison.OrdinalIgnoreCase) || text.Contains("alpn", StringComparison.OrdinalIgnoreCase))
        {
            return new TetherException(TetherErrorCode.ApplicationProtocolMismatch, AlpnMismatch().Message, e);
        }

        if (text.Contains("certificate required", StringComparison.OrdinalIgnoreCase))
        {
            return new TetherException(TetherErrorCode.ClientCertificateRequired, "The server requires a client certificate (mTLS) and none was presented.", e);
        }

        if (text.Contains("unknown ca", StringComparison.OrdinalIgnoreCase) || text.Contains("bad certificate", StringComparison.OrdinalIgnoreCase)
            || text.Contains("certificate unknown", StringComparison.OrdinalIgnoreCase))
        {
            return new TetherException(TetherErrorCode.UntrustedCertificate, $"The peer refused this side's certificate: {text}", e);
        }

        return new TetherException(TetherErrorCode.TlsHandshakeFailed, $"The TLS handshake failed: {text}", e);
    }

    /// <summary>
    /// Client, after the handshake: why the server ended the link. TLS 1.3 lets the server refuse a client certificate
    /// only after the client's handshake has completed, so the refusal arrives as an alert on the first read or as the
    /// server closing before it sent a single byte.
    /// </summary>
    /// <param name="failure">The failed read, or null when the server closed cleanly before sending anything.</param>
    /// <param name="certificateRequested">Whether the server asked for a certificate this side did not have.</param>
    /// <returns>The typed error, or null when the ending says nothing about TLS.</returns>
    public Exception? ExplainEarlyClose(Exception? failure, bool certificateRequested)
    {
        if (failure is not null)
        {
            return failure is AuthenticationException || failure.InnerException is AuthenticationException
                || Describe(failure).Contains("alert", StringComparison.OrdinalIgnoreCase)
                ? Translate(failure)
                : null;
        }

        if (certificateRequested)
        {
            return new TetherException(TetherErrorCode.ClientCertificateRequired,
                "The server asked for a client certificate (mTLS), none is configured, and it closed the connection after the handshake.");
        }

        return _certificate is not null
            ? new TetherException(TetherErrorCode.UntrustedCertificate,
                "The server closed the connection right after the TLS handshake, before sending anything: under TLS 1.3 that is how a server " +
                "refuses a client certificate it does not trust. The server's log names its reason.")
            : null;
    }

    private static string Describe(Exception e)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            text.Append(inner.Message).Append(' ');
        }

        return text.ToString().Trim();
    }

    private static string HostOf(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => dns.Host,
        IPEndPoint ip => ip.Address.ToString(),
        _ => endPoint.ToString() ?? "",
    };
}
