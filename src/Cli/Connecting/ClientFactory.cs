using System.Net;
using System.Security.Cryptography.X509Certificates;
using Tether.Cli.Output;
using Tether.Quic;
using Tether.Security;
using Tether.Transport;
using Tether.Transport.Tcp;
using Tether.Transport.Tls;

namespace Tether.Cli.Connecting;

/// <summary>Connects a client as the settings say: transport, TLS trust and client certificate, credentials, timeout.</summary>
internal static class ClientFactory
{
    public static async Task<TetherClient> ConnectAsync(CliSettings settings, CancellationToken cancellationToken)
    {
        EndPoint endPoint = ParseEndPoint(settings.RequireServer());
        var options = new TetherClientOptions
        {
            Transport = Connector(settings, endPoint),
            ConnectTimeout = settings.Timeout,
            Credentials = Credentials(settings),
            // A command is one short session: nothing to resume after it, and a lost link is an error to report.
            Resumable = false,
            Reconnect = new ReconnectOptions { Enabled = false },
        };
        return await TetherClient.ConnectAsync(endPoint, options, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>HOST:PORT, [IPv6]:PORT or IP:PORT.</summary>
    public static EndPoint ParseEndPoint(string text)
    {
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0)
        {
            return ip;
        }

        int colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? new DnsEndPoint(text[..colon], port)
            : throw new UsageException($"'{text}' is not an address: use HOST:PORT, e.g. 127.0.0.1:5000.");
    }

    private static TetherCredentials? Credentials(CliSettings settings) => (settings.ApiKey, settings.Token) switch
    {
        ({ } _, { } _) => throw new UsageException("Give an API key or a token, not both."),
        ({ } key, null) => TetherCredentials.ApiKey(key),
        (null, { } token) => TetherCredentials.Bearer(token),
        _ => null,
    };

    private static ITransportConnector Connector(CliSettings settings, EndPoint endPoint)
    {
        if (settings.Transport == "tcp")
        {
            if (settings.CertificateAuthority is not null || settings.Certificate is not null)
            {
                throw new UsageException("--ca and --cert are for --transport tls or quic.");
            }

            return TcpTransport.Default;
        }

        TetherTlsOptions tls = Tls(settings, endPoint);
        return settings.Transport == "tls" ? new TlsTransport(tls) : new QuicTransport(tls);
    }

    private static TetherTlsOptions Tls(CliSettings settings, EndPoint endPoint)
    {
        var tls = new TetherTlsOptions
        {
            TargetHost = settings.ServerName ?? (endPoint as DnsEndPoint)?.Host,
            HandshakeTimeout = settings.Timeout,
        };
        try
        {
            if (settings.CertificateAuthority is { } ca)
            {
                tls.TrustedAuthorities.ImportFromPemFile(ca);
            }

            if (settings.Certificate is { } cert)
            {
                tls.Certificate = X509Certificate2.CreateFromPemFile(cert, settings.CertificateKey);
            }
            else if (settings.CertificateKey is not null)
            {
                throw new UsageException("--key needs --cert.");
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new UsageException($"The TLS files cannot be read: {e.Message}");
        }

        return tls;
    }
}
