using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--observability [seconds] [rounds]</c>: 64-caller unary calls and one-way messages over TCP, with nothing listening,
/// with metrics on, and with metrics and tracing on, both processes alike; each mode in each round gets a fresh server
/// process, and the rounds interleave the modes so drift over the run spreads across them.
/// </summary>
public static class ObservabilityRunner
{
    public static async Task<int> RunAsync(TimeSpan window, int rounds, string[]? modes = null)
    {
        modes ??= Telemetry.Modes;
        var results = modes.ToDictionary(static m => m, static _ => (Unary: new List<double>(), OneWay: new List<double>()));
        for (int round = 1; round <= rounds; round++)
        {
            foreach (string mode in modes)
            {
                (double unary, double oneWay) = await MeasureAsync(mode, window);
                results[mode].Unary.Add(unary);
                results[mode].OneWay.Add(oneWay);
                Console.WriteLine($"round {round} {mode,-16} unary64 {unary,12:N0}/s   one-way {oneWay,12:N0}/s");
            }
        }

        Rates.PrintComparison(modes, results);
        return 0;
    }

    private static async Task<(double Unary, double OneWay)> MeasureAsync(string mode, TimeSpan window)
    {
        using IDisposable? telemetry = Telemetry.Enable(mode);
        await using Target target = Target.Create("tether");
        using ServerProcess server = ServerProcess.Start(target.ServerFramework, "--observe", mode);
        await target.ConnectAsync(server.Port);
        await target.UnaryAsync(64, 100_000); // warm-up: JIT, pools, thread pool size
        await target.OneWayAsync(200_000);

        double unary = await Rates.MeasureAsync(window, () => target.UnaryAsync(64, 50_000), 50_000);
        double oneWay = await Rates.MeasureAsync(window, () => target.OneWayAsync(100_000), 100_000);
        return (unary, oneWay);
    }
}
