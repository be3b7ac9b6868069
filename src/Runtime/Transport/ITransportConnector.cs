using System.Net;

namespace Tether.Transport;

/// <summary>Opens connections: the client side of a transport.</summary>
public interface ITransportConnector
{
    /// <summary>Connects to <paramref name="endPoint"/>.</summary>
    /// <exception cref="TetherException">Code <see cref="TetherErrorCode.ConnectFailed"/> when the peer cannot be reached.</exception>
    ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default);
}
