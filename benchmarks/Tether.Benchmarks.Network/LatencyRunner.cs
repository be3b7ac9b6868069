using System.Diagnostics;
using System.Globalization;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--latency</c>: per-call latency percentiles, which BenchmarkDotNet does not report. For each framework and
/// caller count: a fresh server process, a warm-up, then a fixed number of timed calls.
/// </summary>
public static class LatencyRunner
{
    public static async Task<int> RunAsync(int calls)
    {
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine("| framework | callers | calls/s | p50 µs | p99 µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (string framework in new[] { "tether", "tether-plain", "grpc", "raw" })
        {
            foreach (int callers in new[] { 1, 16, 64 })
            {
                await using Target target = Target.Create(framework);
                using ServerProcess server = ServerProcess.Start(target.ServerFramework);
                await target.ConnectAsync(server.Port);
                await target.UnaryAsync(callers, Math.Min(calls, 50_000));
                long[] latencies = new long[calls];
                long start = Stopwatch.GetTimestamp();
                await target.UnaryAsync(callers, calls, latencies);
                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                Array.Sort(latencies);
                Console.WriteLine(string.Format(culture, "| {0} | {1} | {2:N0} | {3:F1} | {4:F1} |",
                    framework, callers, calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)])));
            }
        }

        return 0;
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
