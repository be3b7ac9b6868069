using System.Net;
using System.Net.Sockets;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A loopback TCP proxy between client and server that cuts each connection after a random number of forwarded
/// bytes (counted over both directions), forwarding only part of the read it cuts in — so links die mid-frame —
/// and resetting both sockets. Cuts stop once <see cref="MaxCuts"/> have happened.
/// </summary>
public sealed class CuttingTcpProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly EndPoint _target;
    private readonly Random _random;
    private readonly long _minBudget;
    private readonly long _maxBudget;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly List<ProxiedLink> _links = [];
    private bool _armed;
    private readonly Task _accepting;
    private int _cuts;

    public CuttingTcpProxy(EndPoint target, int seed, long minBudget, long maxBudget, int maxCuts)
    {
        _target = target;
        _random = new Random(seed);
        _minBudget = minBudget;
        _maxBudget = maxBudget;
        MaxCuts = maxCuts;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        EndPoint = _listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    public EndPoint EndPoint { get; }

    /// <summary>Starts cutting, including the links already open (before, links are never cut: the first hello completes).</summary>
    public void Arm()
    {
        Volatile.Write(ref _armed, true);
        lock (_pumps)
        {
            foreach (ProxiedLink link in _links)
            {
                link.SetBudget(NextBudget());
            }
        }
    }

    private long NextBudget()
    {
        lock (_random)
        {
            return !Volatile.Read(ref _armed) || Cuts >= MaxCuts ? long.MaxValue : _random.NextInt64(_minBudget, _maxBudget);
        }
    }

    public int MaxCuts { get; }

    public int Cuts => Volatile.Read(ref _cuts);

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
                var link = new ProxiedLink(this, client, server, NextBudget());
                lock (_pumps)
                {
                    _links.Add(link);
                    _pumps.Add(link.RunAsync());
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
    }

    private sealed class ProxiedLink(CuttingTcpProxy proxy, Socket client, Socket server, long budget)
    {
        private long _budget = budget;
        private int _closed;
        private int _counted;

        public void SetBudget(long budget) => Interlocked.Exchange(ref _budget, budget);

        public Task RunAsync() => Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));

        private async Task PumpAsync(Socket from, Socket to)
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    int read = await from.ReceiveAsync(buffer, SocketFlags.None, proxy._stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    long left = Interlocked.Add(ref _budget, -read);
                    int forward = left >= 0 ? read : (int)Math.Max(0, read + left);
                    if (forward > 0)
                    {
                        await to.SendAsync(buffer.AsMemory(0, forward), SocketFlags.None, proxy._stop.Token);
                    }

                    if (left < 0)
                    {
                        if (Interlocked.Exchange(ref _counted, 1) == 0)
                        {
                            Interlocked.Increment(ref proxy._cuts);
                        }

                        break;
                    }
                }
            }
            catch (Exception)
            {
                // The other direction closed the sockets, or the proxy stopped.
            }

            Close();
        }

        private void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            // A reset, not a graceful close: the peers see the link fail, as they would on a network fault.
            foreach (Socket socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (Exception)
                {
                }
            }
        }
    }
}
