using System.Diagnostics;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary><c>--soak</c>: a steady one-way or 64-caller unary load for a fixed time, to profile either process.</summary>
public static class SoakRunner
{
    public static async Task<int> RunAsync(string kind, string framework, TimeSpan duration)
    {
        await using Target target = Target.Create(framework);
        using ServerProcess server = ServerProcess.Start(target.ServerFramework);
        Console.WriteLine($"server pid {server.ProcessId}, client pid {Environment.ProcessId}");
        await target.ConnectAsync(server.Port);
        long operations = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            if (kind == "oneway")
            {
                await target.OneWayAsync(100_000);
                operations += 100_000;
            }
            else
            {
                await target.UnaryAsync(64, 50_000);
                operations += 50_000;
            }
        }

        Console.WriteLine($"{kind} {framework}: {operations / clock.Elapsed.TotalSeconds:N0} per second");
        return 0;
    }
}
