using System.Net;
using Tether.Quic;
using Tether.Transport;
using Tether.Transport.InMemory;
using Tether.Transport.Tcp;
using Tether.Transport.Tls;

namespace Tether.Conformance.Tests.Support;

/// <summary>The per-transport selector of the shared suite: how to listen, connect and name an endpoint.</summary>
public sealed record TransportUnderTest(string Name, ITransportListenerFactory Listener, ITransportConnector Connector, Func<EndPoint> NewEndPoint)
{
    public static TransportUnderTest Tcp() =>
        new("tcp", TcpTransport.Default, TcpTransport.Default, static () => new IPEndPoint(IPAddress.Loopback, 0));

    /// <summary>TLS over TCP with the test PKI: server certificate for loopback, the test root trusted by the client.</summary>
    public static TransportUnderTest Tls()
    {
        var server = new TlsTransport(ServerTls());
        var client = new TlsTransport(ClientTls());
        return new(TlsTransport.Name, server, client, static () => new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>QUIC (ngtcp2 + GnuTLS) with the same test PKI as <see cref="Tls"/>.</summary>
    public static TransportUnderTest Quic(QuicTransportOptions? options = null)
    {
        options ??= new QuicTransportOptions { InitialRtt = TimeSpan.FromMilliseconds(1) };
        var server = new QuicTransport(ServerTls(), options);
        var client = new QuicTransport(ClientTls(), options);
        return new(QuicTransport.Name, server, client, static () => new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>Server TLS options of the test PKI (no client certificate asked for unless changed).</summary>
    public static TetherTlsOptions ServerTls()
    {
        var options = new TetherTlsOptions { Certificate = TestCertificates.Server };
        options.TrustedAuthorities.Add(TestCertificates.Authority);
        return options;
    }

    /// <summary>Client TLS options trusting only the test root.</summary>
    public static TetherTlsOptions ClientTls()
    {
        var options = new TetherTlsOptions();
        options.TrustedAuthorities.Add(TestCertificates.Authority);
        return options;
    }

    public static TransportUnderTest InMemory()
    {
        var transport = new InMemoryTransport();
        return new("inmemory", transport, transport, static () => new InMemoryEndPoint(Guid.NewGuid().ToString("N")));
    }

    public override string ToString() => Name;
}
