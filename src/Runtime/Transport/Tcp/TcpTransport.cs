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
        return new ValueTask<ITransportListener>(new TcpListener(Listen(endPoint, _options), _options, options));
    }

    /// <summary>A listening socket on <paramref name="endPoint"/> (shared with the TLS transport).</summary>
    internal static Socket Listen(EndPoint endPoint, TcpTransportOptions options)
    {
        Socket socket = CreateSocket(endPoint);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(options.Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A connected socket, or a typed <see cref="TetherErrorCode.ConnectFailed"/> (shared with the TLS transport).</summary>
    internal static async ValueTask<Socket> ConnectSocketAsync(EndPoint endPoint, TcpTransportOptions options, CancellationToken cancellationToken)
    {
        Socket socket = CreateSocket(endPoint);
        try
        {
            socket.NoDelay = options.NoDelay;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
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
    }

    private static Socket CreateSocket(EndPoint endPoint) => endPoint is IPEndPoint ip
        ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        : new Socket(SocketType.Stream, ProtocolType.Tcp);

    /// <inheritdoc />
    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        Socket socket = await ConnectSocketAsync(endPoint, _options, cancellationToken).ConfigureAwait(false);
        return new SocketConnection(socket, options, _options.CloseTimeout);
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

                if (options.AcceptFilter is { } admit && !admit(accepted.RemoteEndPoint))
                {
                    accepted.Dispose(); // refused unread
                    continue;
                }

                accepted.NoDelay = tcp.NoDelay;
                return new SocketConnection(accepted, options, tcp.CloseTimeout);
            }
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
