using System.Diagnostics;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--soak</c>: a steady one-way or unary load (<c>unary64</c>, or <c>unaryN</c> for N callers), or <c>--wire</c>'s echo
/// stream (<c>stream</c>, <c>streambatched</c>; framework <c>tether</c> or <c>raw</c>) for a fixed time, to profile either process.
/// </summary>
public static class SoakRunner
{
    public static async Task<int> RunAsync(string kind, string framework, TimeSpan duration)
    {
        if (kind is "stream" or "streambatched")
        {
            return await Wire.WireRunner.SoakStreamAsync(framework, batched: kind == "streambatched", duration);
        }

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
                // unary64 (or unaryN: N callers)
                int callers = int.Parse(kind.AsSpan("unary".Length), System.Globalization.CultureInfo.InvariantCulture);
                int batch = Math.Min(50_000, callers * 1_000);
                await target.UnaryAsync(callers, batch);
                operations += batch;
            }
        }

        Console.WriteLine($"{kind} {framework}: {operations / clock.Elapsed.TotalSeconds:N0} per second");
        return 0;
    }
}
