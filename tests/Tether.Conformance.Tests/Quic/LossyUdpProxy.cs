using System.Net;
using System.Net.Sockets;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// A UDP relay between one client and a server that drops a share of the datagrams in both directions and swaps
/// the order of some (holds one back and sends it after the next). Seeded, so a failure can be replayed.
/// </summary>
public sealed class LossyUdpProxy : IAsyncDisposable
{
    private readonly Socket _front = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _back = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly EndPoint _server;
    private readonly double _dropRate;
    private readonly double _reorderRate;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _forward;
    private readonly Task _backward;
    private EndPoint? _client;
    private long _dropped;
    private long _reordered;
    private long _relayed;

    public LossyUdpProxy(EndPoint server, double dropRate, double reorderRate, int seed)
    {
        _server = server;
        _dropRate = dropRate;
        _reorderRate = reorderRate;
        _random = new Random(seed);
        _front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _back.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _forward = RelayAsync(_front, _back, toServer: true);
        _backward = RelayAsync(_back, _front, toServer: false);
    }

    /// <summary>Where clients connect.</summary>
    public EndPoint EndPoint => _front.LocalEndPoint!;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Reordered => Interlocked.Read(ref _reordered);

    public long Relayed => Interlocked.Read(ref _relayed);

    private async Task RelayAsync(Socket from, Socket to, bool toServer)
    {
        byte[] buffer = new byte[65536];
        byte[]? held = null;
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await from.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (toServer)
            {
                _client = received.RemoteEndPoint;
            }

            EndPoint? destination = toServer ? _server : _client;
            if (destination is null)
            {
                continue;
            }

            double roll, reorderRoll;
            lock (_randomLock)
            {
                roll = _random.NextDouble();
                reorderRoll = _random.NextDouble();
            }

            if (roll < _dropRate)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }

            byte[] datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            if (held is null && reorderRoll < _reorderRate)
            {
                held = datagram; // goes out after the next one
                Interlocked.Increment(ref _reordered);
                continue;
            }

            await SendAsync(to, datagram, destination);
            if (held is not null)
            {
                await SendAsync(to, held, destination);
                held = null;
            }
        }
    }

    private async Task SendAsync(Socket socket, byte[] datagram, EndPoint destination)
    {
        try
        {
            await socket.SendToAsync(datagram, SocketFlags.None, destination);
            Interlocked.Increment(ref _relayed);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _front.Dispose();
        _back.Dispose();
        await Task.WhenAll(_forward, _backward);
        _stop.Dispose();
    }
}
