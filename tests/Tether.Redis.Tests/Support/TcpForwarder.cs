using System.Net;
using System.Net.Sockets;

namespace Tether.Redis.Tests.Support;

/// <summary>
/// A load balancer in miniature, on loopback: forwards each accepted connection to the current target; the test moves
/// the target and cuts the connections it forwarded (as a balancer that takes a node out does).
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<(Socket Client, Socket Server)> _forwarded = [];
    private readonly Task _accepting;
    private IPEndPoint _target;

    public TcpForwarder(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>New connections go to <paramref name="target"/>; the ones forwarded so far are reset.</summary>
    public void MoveTo(IPEndPoint target)
    {
        (Socket Client, Socket Server)[] cut;
        lock (_lock)
        {
            _target = target;
            cut = [.. _forwarded];
            _forwarded.Clear();
        }

        foreach ((Socket client, Socket server) in cut)
        {
            client.Close(0); // a reset, not a goodbye
            server.Close(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        MoveTo(_target);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptSocketAsync(_stopping.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            IPEndPoint target;
            lock (_lock)
            {
                target = _target;
            }

            try
            {
                await server.ConnectAsync(target, _stopping.Token);
            }
            catch (SocketException)
            {
                client.Close(0);
                server.Dispose();
                continue;
            }

            lock (_lock)
            {
                _forwarded.Add((client, server));
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            from.Close(0);
            to.Close(0);
        }
    }
}
