using System.Net;
using System.Net.Sockets;

namespace Tether.Samples.Resume;

/// <summary>
/// A loopback TCP relay standing in for an unreliable network: it forwards bytes both ways until
/// <see cref="Cut"/> resets every connection through it (both sockets, with RST, wherever the bytes in flight are).
/// </summary>
public sealed class FlakyRelay : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly EndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Client, Socket Server)> _links = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;

    public FlakyRelay(EndPoint target)
    {
        _target = target;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = _listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>Resets every open connection; new connections are relayed as before.</summary>
    /// <returns>How many connections were cut.</returns>
    public int Cut()
    {
        lock (_links)
        {
            foreach ((Socket client, Socket server) in _links)
            {
                Reset(client);
                Reset(server);
            }

            int cut = _links.Count;
            _links.Clear();
            return cut;
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, dropping unsent bytes
        }
        catch (SocketException)
        {
            // already reset by the peer
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        socket.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptAsync(_stop.Token);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                await server.ConnectAsync(_target, _stop.Token);
                lock (_links)
                {
                    _links.Add((client, server));
                    _pumps.Add(PumpAsync(client, server));
                    _pumps.Add(PumpAsync(server, client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopping, or the target went away
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // cut, or stopping
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        Cut();
        await _accepting;
        Task[] pumps;
        lock (_links)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
