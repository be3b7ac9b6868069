using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--security [seconds] [rounds]</c>: 64-caller unary calls and one-way messages over TCP against a server without
/// security ("open") and one where every call is authorized ([Authorize], decided once per session and method) and takes
/// permits from two token buckets (per session and per principal) that never run dry ("secured"). Each mode in each
/// round gets a fresh server process; the rounds interleave the modes so drift spreads across them. Besides the rates it
/// reports the server process's CPU time per unary call (from the OS's accounting), which the machine's noise blurs less.
/// </summary>
public static class SecurityRunner
{
    private static readonly (string Name, string Target, string[] ServerArgs)[] Modes =
    [
        ("open", "tether", []),
        ("secured", "tether-secured", ["--secured"]),
    ];

    public static async Task<int> RunAsync(TimeSpan window, int rounds)
    {
        var results = Modes.ToDictionary(static m => m.Name, static _ => (Unary: new List<double>(), OneWay: new List<double>()));
        var cpu = Modes.ToDictionary(static m => m.Name, static _ => new List<double>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach ((string name, string target, string[] serverArgs) in Modes)
            {
                (double unary, double oneWay, double serverMicrosPerCall) = await MeasureAsync(target, serverArgs, window);
                results[name].Unary.Add(unary);
                results[name].OneWay.Add(oneWay);
                cpu[name].Add(serverMicrosPerCall);
                Console.WriteLine($"round {round} {name,-8} unary64 {unary,12:N0}/s ({serverMicrosPerCall:F2} µs server CPU per call)   one-way {oneWay,12:N0}/s");
            }
        }

        Rates.PrintComparison([.. Modes.Select(static m => m.Name)], results);
        double open = Rates.Median(cpu["open"]);
        foreach ((string name, _, _) in Modes)
        {
            double median = Rates.Median(cpu[name]);
            Console.WriteLine($"{name,-16} server CPU per unary call, median {median,6:F2} µs ({median / open - 1:P1} vs open)");
        }

        return 0;
    }

    private static async Task<(double Unary, double OneWay, double ServerMicrosPerCall)> MeasureAsync(string targetName, string[] serverArgs, TimeSpan window)
    {
        await using Target target = Target.Create(targetName);
        using ServerProcess server = ServerProcess.Start(target.ServerFramework, serverArgs);
        using var process = System.Diagnostics.Process.GetProcessById(server.ProcessId);
        await target.ConnectAsync(server.Port);
        await target.UnaryAsync(64, 100_000); // warm-up
        await target.OneWayAsync(200_000);

        process.Refresh();
        TimeSpan before = process.TotalProcessorTime;
        long calls = 0;
        double unary = await Rates.MeasureAsync(window, async () =>
        {
            await target.UnaryAsync(64, 50_000);
            calls += 50_000;
        }, 50_000);
        process.Refresh();
        double serverMicrosPerCall = (process.TotalProcessorTime - before).TotalMicroseconds / calls;
        double oneWay = await Rates.MeasureAsync(window, () => target.OneWayAsync(100_000), 100_000);
        return (unary, oneWay, serverMicrosPerCall);
    }
}
