using System.Net;

namespace Tether.Transport;

/// <summary>Binds listeners: the server side of a transport.</summary>
public interface ITransportListenerFactory
{
    /// <summary>Binds <paramref name="endPoint"/>; connections it accepts use <paramref name="options"/>.</summary>
    ValueTask<ITransportListener> BindAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default);
}
