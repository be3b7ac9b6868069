using System.Net;
using System.Net.Sockets;

namespace Tether.Transport.Tcp;

/// <summary>TCP over <see cref="Socket"/> and <see cref="System.IO.Pipelines"/>: listens and connects.</summary>
public sealed class TcpTransport : ITransportListenerFactory, ITransportConnector
{
    private readonly TcpTransportOptions _options;

    /// <summary>Creates the transport.</summary>
    public TcpTransport(TcpTransportOptions? options = null)
    {
        _options = options ?? new TcpTransportOptions();
    }

    /// <summary>A transport with default options.</summary>
    public static TcpTransport Default { get; } = new();

    /// <inheritdoc />
    public ValueTask<ITransportListener> BindAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(_options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ValueTask<ITransportListener>(new TcpListener(socket, _options, options));
    }

    /// <inheritdoc />
    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = _options.NoDelay;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new TetherException(TetherErrorCode.ConnectFailed, $"Could not connect to {endPoint}: {e.SocketErrorCode}.", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SocketConnection(socket, options, _options.CloseTimeout);
        connection.Start();
        return connection;
    }

    private sealed class TcpListener(Socket socket, TcpTransportOptions tcp, TransportConnectionOptions options) : ITransportListener
    {
        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public string TransportName => "tcp";

        public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return null;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
                {
                    return null;
                }
                catch (SocketException)
                {
                    // A connection reset while still in the accept queue: take the next one.
                    continue;
                }

                accepted.NoDelay = tcp.NoDelay;
                var connection = new SocketConnection(accepted, options, tcp.CloseTimeout);
                connection.Start();
                return connection;
            }
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
