using System.Net;

namespace Tether.Transport;

/// <summary>A bound endpoint that accepts connections.</summary>
public interface ITransportListener : IAsyncDisposable
{
    /// <summary>The bound address (with the real port when port 0 was asked for).</summary>
    EndPoint EndPoint { get; }

    /// <summary>The transport's name, as its connections report it ("tcp", "inmemory", …): what negotiation offers clients.</summary>
    string TransportName { get; }

    /// <summary>Waits for the next connection; null once the listener is disposed.</summary>
    ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default);
}
