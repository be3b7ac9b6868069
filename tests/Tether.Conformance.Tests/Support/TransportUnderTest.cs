using System.Net;
using Tether.Transport;
using Tether.Transport.InMemory;
using Tether.Transport.Tcp;

namespace Tether.Conformance.Tests.Support;

/// <summary>The per-transport selector of the shared suite: how to listen, connect and name an endpoint.</summary>
public sealed record TransportUnderTest(string Name, ITransportListenerFactory Listener, ITransportConnector Connector, Func<EndPoint> NewEndPoint)
{
    public static TransportUnderTest Tcp() =>
        new("tcp", TcpTransport.Default, TcpTransport.Default, static () => new IPEndPoint(IPAddress.Loopback, 0));

    public static TransportUnderTest InMemory()
    {
        var transport = new InMemoryTransport();
        return new("inmemory", transport, transport, static () => new InMemoryEndPoint(Guid.NewGuid().ToString("N")));
    }

    public override string ToString() => Name;
}
