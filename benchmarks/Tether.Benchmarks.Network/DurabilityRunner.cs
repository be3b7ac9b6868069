using System.Diagnostics;
using System.Net;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--durable [calls] [rounds]</c>: what keeping sessions durable costs a call. A resumable session in memory, then
/// kept in the journal in each durability mode, each against a fresh server process whose journal is on this program's
/// disk; unary calls from 1 and from 64 callers over one connection, each call timed; the rounds interleave the modes.
/// </summary>
public static class DurabilityRunner
{
    private static readonly string[] Modes = ["memory", "always", "batched", "none"];

    public static async Task<int> RunAsync(int calls, int rounds)
    {
        var results = Modes.ToDictionary(static m => m, static _ => new List<(double P50One, double P99One, double P50Many, double P99Many, double Rate)>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach (string mode in Modes)
            {
                var measured = await MeasureAsync(mode, calls);
                results[mode].Add(measured);
                Console.WriteLine($"round {round} {mode,-8} 1 caller p50 {measured.P50One,8:F1} µs p99 {measured.P99One,8:F1} µs | 64 callers p50 {measured.P50Many,8:F1} µs p99 {measured.P99Many,8:F1} µs {measured.Rate,10:N0} calls/s");
            }
        }

        Console.WriteLine();
        foreach (string mode in Modes)
        {
            var r = results[mode];
            Console.WriteLine($"{mode,-8} median of rounds: 1 caller p50 {Rates.Median([.. r.Select(x => x.P50One)]),8:F1} µs p99 {Rates.Median([.. r.Select(x => x.P99One)]),8:F1} µs | 64 callers p50 {Rates.Median([.. r.Select(x => x.P50Many)]),8:F1} µs p99 {Rates.Median([.. r.Select(x => x.P99Many)]),8:F1} µs {Rates.Median([.. r.Select(x => x.Rate)]),10:N0} calls/s");
        }

        return 0;
    }

    private static async Task<(double P50One, double P99One, double P50Many, double P99Many, double Rate)> MeasureAsync(string mode, int calls)
    {
        using ServerProcess server = ServerProcess.Start("tether", "--durable", mode);
        await using TetherClient client = await TetherClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), new TetherClientOptions());
        if (client.Contract!.Durable != (mode != "memory"))
        {
            throw new InvalidOperationException($"the {mode} server's session is durable: {client.Contract.Durable}");
        }

        await RunAsync(client, 64, calls / 4, null); // warm-up
        long[] one = new long[Math.Max(1000, calls / 10)];
        await RunAsync(client, 1, one.Length, one);
        long[] many = new long[calls];
        long started = Stopwatch.GetTimestamp();
        await RunAsync(client, 64, many.Length, many);
        double rate = many.Length / Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (Percentile(one, 0.5), Percentile(one, 0.99), Percentile(many, 0.5), Percentile(many, 0.99), rate);
    }

    private static Task RunAsync(TetherClient client, int callers, int calls, long[]? latencies) =>
        Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            Order order = Order.Sample;
            for (int i = caller; i < calls; i += callers)
            {
                long start = Stopwatch.GetTimestamp();
                await client.RequestAsync<Order, Order>(order).ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[i] = Stopwatch.GetTimestamp() - start;
                }
            }
        }));

    private static double Percentile(long[] ticks, double p)
    {
        long[] sorted = [.. ticks.Order()];
        return sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)] * 1_000_000.0 / Stopwatch.Frequency;
    }
}
