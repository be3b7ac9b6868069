using System.Net;
using Tether.Quic.Connections;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>What a server endpoint reports to its listener.</summary>
internal interface IQuicAcceptor
{
    /// <summary>Whether a client at <paramref name="remote"/> may connect at all (address lists, connection limits): asked on its first Initial, before any handshake work.</summary>
    bool Admit(SocketAddress remote);

    /// <summary>Creates the server connection for a client's first Initial.</summary>
    unsafe QuicConnection CreateConnection(QuicEndpoint endpoint, ngtcp2_pkt_hd* header, SocketAddress remote, ngtcp2_cid* originalDestination, ngtcp2_cid* retrySource);

    /// <summary>A connection's handshake completed: it is ready for the application.</summary>
    void OnAccepted(QuicConnection connection);

    /// <summary>A connection ended (after or during its handshake).</summary>
    void OnTerminated(QuicConnection connection);
}
