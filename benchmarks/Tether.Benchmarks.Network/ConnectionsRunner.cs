using System.Diagnostics;
using System.Net;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--connections [seconds] [max]</c> (run through <c>benchmarks/connections.sh</c>, which raises the file-descriptor
/// limit): a Tether server in its own process, and 1, 100, 1,000 and 10,000 client connections to it from this one. For
/// each count: the server's resident memory per connection idle (all connected, no calls) and busy (during the load),
/// then unary calls/s from 1,000 closed-loop callers (10,000 at 10,000 connections, one each) spread over every
/// connection. A fresh server per count, so each memory figure starts from the same baseline. Beside it, the same
/// callers over the same number of raw-socket echo connections (<see cref="Targets.RawTarget"/>: a window of requests per
/// socket, writes batched): the ceiling of what spreading calls over connections costs on this machine.
/// </summary>
public static class ConnectionsRunner
{
    private const int Callers = 1_000;

    public static async Task<int> RunAsync(TimeSpan window, int max)
    {
        Console.WriteLine($"{"connections",12} {"callers",8} {"calls/s",12} {"vs 1",7} {"idle B/conn",12} {"busy B/conn",12} {"raw calls/s",12} {"raw vs 1",9}");
        double? single = null, rawSingle = null;
        foreach (int count in new[] { 1, 100, 1_000, 10_000 }.Where(c => c <= max))
        {
            (double rate, long idle, long busy) = await MeasureAsync(count, window);
            double raw = await MeasureRawAsync(count, window);
            single ??= rate;
            rawSingle ??= raw;
            int callers = Math.Max(Callers, count);
            Console.WriteLine($"{count,12:N0} {callers,8:N0} {rate,12:N0} {rate / single.Value,7:P0} {idle,12:N0} {busy,12:N0} {raw,12:N0} {raw / rawSingle.Value,9:P0}");
        }

        return 0;
    }

    private static async Task<(double Rate, long IdlePerConnection, long BusyPerConnection)> MeasureAsync(int count, TimeSpan window)
    {
        using ServerProcess server = ServerProcess.Start("tether", "--many");
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);

        // Warm the server's code paths with one client, then take its baseline without it.
        await using (TetherClient warm = await TetherClient.ConnectAsync(endPoint))
        {
            await CallAsync([warm], Callers, 50_000);
        }

        long baseline = ResidentBytes(server.ProcessId);
        var clients = new TetherClient[count];
        using (var opening = new SemaphoreSlim(64))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await opening.WaitAsync();
                try
                {
                    clients[i] = await TetherClient.ConnectAsync(endPoint);
                }
                finally
                {
                    opening.Release();
                }
            }));
        }

        try
        {
            long idle = (ResidentBytes(server.ProcessId) - baseline) / count;
            int callers = Math.Max(Callers, count);
            await CallAsync(clients, callers, callers * 20); // warm-up at this count
            var clock = Stopwatch.StartNew();
            long calls = 0;
            long busyPeak = 0;
            while (clock.Elapsed < window)
            {
                int batch = callers * 20;
                await CallAsync(clients, callers, batch);
                calls += batch;
                busyPeak = Math.Max(busyPeak, ResidentBytes(server.ProcessId));
            }

            double rate = calls / clock.Elapsed.TotalSeconds;
            return (rate, idle, (busyPeak - baseline) / count);
        }
        finally
        {
            await Task.WhenAll(clients.Where(static c => c is not null).Select(static c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<double> MeasureRawAsync(int count, TimeSpan window)
    {
        using ServerProcess server = ServerProcess.Start("raw");
        var targets = new Targets.RawTarget[count];
        using (var opening = new SemaphoreSlim(64))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await opening.WaitAsync();
                try
                {
                    var target = new Targets.RawTarget();
                    await target.ConnectAsync(server.Port);
                    targets[i] = target;
                }
                finally
                {
                    opening.Release();
                }
            }));
        }

        try
        {
            int perConnection = Math.Max(Callers, count) / count;
            Task Round() => Task.WhenAll(targets.Select(t => t.UnaryAsync(perConnection, perConnection * 20)));
            await Round(); // warm-up
            var clock = Stopwatch.StartNew();
            long calls = 0;
            while (clock.Elapsed < window)
            {
                await Round();
                calls += (long)perConnection * 20 * count;
            }

            return calls / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await Task.WhenAll(targets.Where(static t => t is not null).Select(static t => t.DisposeAsync().AsTask()));
        }
    }

    /// <summary><paramref name="calls"/> unary calls from <paramref name="callers"/> closed-loop callers; call j of caller i goes over connection (i + j·callers) mod count.</summary>
    private static Task CallAsync(TetherClient[] clients, int callers, int calls) =>
        Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            Order order = Order.Sample;
            int share = calls / callers;
            for (int j = 0; j < share; j++)
            {
                TetherClient client = clients[(int)((caller + ((long)j * callers)) % clients.Length)];
                await client.RequestAsync<Order, Order>(order).ConfigureAwait(false);
            }
        }));

    /// <summary>The process's resident set (VmRSS): managed heap, native buffers, code; not the kernel's socket buffers.</summary>
    private static long ResidentBytes(int processId)
    {
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc/PID/status");
    }
}
