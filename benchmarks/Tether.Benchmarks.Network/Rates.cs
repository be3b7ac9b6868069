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

    /// <summary>Prints each mode's medians of unary and one-way rates against the first mode's.</summary>
    public static void PrintComparison(IReadOnlyList<string> modes, IReadOnlyDictionary<string, (List<double> Unary, List<double> OneWay)> results)
    {
        string baseline = modes[0];
        Console.WriteLine();
        Console.WriteLine($"{"mode",-16} {"unary64 median",16} {"vs " + baseline,10} {"one-way median",16} {"vs " + baseline,10}");
        double unaryBase = Median(results[baseline].Unary);
        double oneWayBase = Median(results[baseline].OneWay);
        foreach (string mode in modes)
        {
            double unary = Median(results[mode].Unary);
            double oneWay = Median(results[mode].OneWay);
            Console.WriteLine($"{mode,-16} {unary,16:N0} {unary / unaryBase - 1,10:P1} {oneWay,16:N0} {oneWay / oneWayBase - 1,10:P1}");
        }
    }
}
