using System.Diagnostics;

namespace Tether.Benchmarks.Network;

/// <summary>Throughput over a time window, and the medians the comparison runners report.</summary>
public static class Rates
{
    /// <summary>Runs <paramref name="batch"/> (of <paramref name="perBatch"/> operations) until <paramref name="window"/> has passed; operations per second.</summary>
    public static async Task<double> MeasureAsync(TimeSpan window, Func<Task> batch, int perBatch)
    {
        long operations = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            await batch();
            operations += perBatch;
        }

        return operations / clock.Elapsed.TotalSeconds;
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
