using System.Net;
using Tether.Transport;

namespace Tether;

/// <summary>One way to reach a server: a transport's name (as the server's listener reports it), its connector and the address.</summary>
/// <param name="Name">The transport name ("tcp", "inmemory", "quic", …), matched against what the server selects in negotiation.</param>
/// <param name="Connector">Opens connections over the transport.</param>
/// <param name="EndPoint">The server's address on that transport.</param>
public sealed record TransportRoute(string Name, ITransportConnector Connector, EndPoint EndPoint);
