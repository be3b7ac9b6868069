using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;

namespace Tether.Transport.InMemory;

/// <summary>
/// An in-process transport for tests: listeners are named (<see cref="InMemoryEndPoint"/>) within one instance,
/// and connections are pipe pairs with the same limits and counters as TCP.
/// </summary>
public sealed class InMemoryTransport : ITransportListenerFactory, ITransportConnector
{
    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private int _clients;

    /// <inheritdoc />
    public ValueTask<ITransportListener> BindAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        if (endPoint is not InMemoryEndPoint named)
        {
            throw new ArgumentException("The in-memory transport binds InMemoryEndPoint addresses only.", nameof(endPoint));
        }

        var listener = new Listener(this, named, options);
        if (!_listeners.TryAdd(named.Name, listener))
        {
            throw new InvalidOperationException($"An in-memory listener named '{named.Name}' is already bound.");
        }

        return new ValueTask<ITransportListener>(listener);
    }

    /// <inheritdoc />
    public ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (endPoint is not InMemoryEndPoint named || !_listeners.TryGetValue(named.Name, out Listener? listener))
        {
            throw new TetherException(TetherErrorCode.ConnectFailed, $"No in-memory listener is bound at {endPoint}.");
        }

        var (client, server) = InMemoryConnection.CreatePair(named, options, listener.Options, Interlocked.Increment(ref _clients));
        if (!listener.Pending.Writer.TryWrite(server))
        {
            throw new TetherException(TetherErrorCode.ConnectFailed, $"The in-memory listener at {endPoint} is closed.");
        }

        return new ValueTask<TransportConnection>(client);
    }

    private sealed class Listener(InMemoryTransport owner, InMemoryEndPoint endPoint, TransportConnectionOptions options) : ITransportListener
    {
        public Channel<TransportConnection> Pending { get; } = Channel.CreateUnbounded<TransportConnection>();

        public TransportConnectionOptions Options => options;

        public EndPoint EndPoint => endPoint;

        public string TransportName => "inmemory";

        public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await Pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask DisposeAsync()
        {
            owner._listeners.TryRemove(new KeyValuePair<string, Listener>(endPoint.Name, this));
            Pending.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
