using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--pool [calls]</c>: unary throughput and latency through a <see cref="TetherClientPool"/> of 1 and of 8 connections
/// (fixed: minimum = maximum) at 64 and 512 closed-loop callers, against a Tether server in its own process (issue 27).
/// </summary>
public static class PoolRunner
{
    public static async Task<int> RunAsync(int calls)
    {
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine("| connections | callers | calls/s | p50 µs | p99 µs |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (int connections in new[] { 1, 8 })
        {
            foreach (int callers in new[] { 64, 512 })
            {
                using ServerProcess server = ServerProcess.Start("tether");
                var options = new TetherClientPoolOptions { MinConnections = connections, MaxConnections = connections, ConfigureClient = o => o.Resumable = true };
                options.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, server.Port));
                await using var pool = new TetherClientPool(options);
                await pool.StartAsync();
                await RunCallersAsync(pool, callers, Math.Min(calls, 50_000), null);
                long[] latencies = new long[calls];
                long start = Stopwatch.GetTimestamp();
                await RunCallersAsync(pool, callers, calls, latencies);
                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                Array.Sort(latencies);
                Console.WriteLine(string.Format(culture, "| {0} | {1} | {2:N0} | {3:F1} | {4:F1} |",
                    connections, callers, calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)])));
            }
        }

        return 0;
    }

    private static Task RunCallersAsync(TetherPeer peer, int callers, int calls, long[]? latencies) =>
        Task.WhenAll(Enumerable.Range(0, callers).Select(caller => CallerAsync(peer, caller, callers, calls, latencies)));

    private static async Task CallerAsync(TetherPeer peer, int caller, int callers, int calls, long[]? latencies)
    {
        int share = calls / callers + (caller < calls % callers ? 1 : 0);
        int offset = caller * (calls / callers) + Math.Min(caller, calls % callers);
        Order order = Order.Sample;
        for (int i = 0; i < share; i++)
        {
            long start = latencies is null ? 0 : Stopwatch.GetTimestamp();
            await peer.RequestAsync<Order, Order>(order).ConfigureAwait(false);
            if (latencies is not null)
            {
                latencies[offset + i] = Stopwatch.GetTimestamp() - start;
            }
        }
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
