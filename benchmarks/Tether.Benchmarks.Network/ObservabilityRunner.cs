using System.Diagnostics;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--observability [seconds] [rounds] [modes]</c>: 64-caller unary calls and one-way messages over TCP, with nothing
/// listening, with metrics on, and with metrics and tracing on, both processes alike; each mode in each round gets a
/// fresh server process, and the rounds interleave the modes so drift over the run spreads across them. Besides the
/// rates it reports each process's CPU time per unary call (from the OS's accounting), which the machine's noise blurs
/// far less than throughput: what listening costs is the CPU it adds to a call.
/// </summary>
public static class ObservabilityRunner
{
    public static async Task<int> RunAsync(TimeSpan window, int rounds, string[]? modes = null)
    {
        modes ??= Telemetry.Modes;
        var results = modes.ToDictionary(static m => m, static _ => (Unary: new List<double>(), OneWay: new List<double>()));
        var cpu = modes.ToDictionary(static m => m, static _ => (Server: new List<double>(), Client: new List<double>()));
        for (int round = 1; round <= rounds; round++)
        {
            foreach (string mode in modes)
            {
                Measurement m = await MeasureAsync(mode, window);
                results[mode].Unary.Add(m.Unary);
                results[mode].OneWay.Add(m.OneWay);
                cpu[mode].Server.Add(m.ServerMicrosPerCall);
                cpu[mode].Client.Add(m.ClientMicrosPerCall);
                Console.WriteLine($"round {round} {mode,-16} unary64 {m.Unary,12:N0}/s (CPU per call: server {m.ServerMicrosPerCall:F2} µs, client {m.ClientMicrosPerCall:F2} µs)   one-way {m.OneWay,12:N0}/s");
            }
        }

        Rates.PrintComparison(modes, results);
        double baseline = Rates.Median(cpu[modes[0]].Server) + Rates.Median(cpu[modes[0]].Client);
        foreach (string mode in modes)
        {
            double server = Rates.Median(cpu[mode].Server);
            double client = Rates.Median(cpu[mode].Client);
            Console.WriteLine($"{mode,-16} CPU per unary call, medians: server {server,5:F2} µs + client {client,5:F2} µs = {server + client,5:F2} µs ({(server + client) / baseline - 1:+0.0%;-0.0%} vs {modes[0]})");
        }

        return 0;
    }

    private static async Task<Measurement> MeasureAsync(string mode, TimeSpan window)
    {
        using IDisposable? telemetry = Telemetry.Enable(mode);
        await using Target target = Target.Create("tether");
        using ServerProcess server = ServerProcess.Start(target.ServerFramework, "--observe", mode);
        using var serverProcess = Process.GetProcessById(server.ProcessId);
        using var clientProcess = Process.GetCurrentProcess();
        await target.ConnectAsync(server.Port);
        await target.UnaryAsync(64, 100_000); // warm-up: JIT, pools, thread pool size
        await target.OneWayAsync(200_000);

        serverProcess.Refresh();
        clientProcess.Refresh();
        TimeSpan serverBefore = serverProcess.TotalProcessorTime;
        TimeSpan clientBefore = clientProcess.TotalProcessorTime;
        long calls = 0;
        double unary = await Rates.MeasureAsync(window, async () =>
        {
            await target.UnaryAsync(64, 50_000);
            calls += 50_000;
        }, 50_000);
        serverProcess.Refresh();
        clientProcess.Refresh();
        double serverMicros = (serverProcess.TotalProcessorTime - serverBefore).TotalMicroseconds / calls;
        double clientMicros = (clientProcess.TotalProcessorTime - clientBefore).TotalMicroseconds / calls;
        double oneWay = await Rates.MeasureAsync(window, () => target.OneWayAsync(100_000), 100_000);
        return new Measurement(unary, oneWay, serverMicros, clientMicros);
    }

    private readonly record struct Measurement(double Unary, double OneWay, double ServerMicrosPerCall, double ClientMicrosPerCall);
}
