using System.Diagnostics;
using System.Net;
using Tether.Benchmarks.Network.Servers;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--hello-flood [seconds]</c>: eight loops open connections and present wrong secrets for a real key id (each one
/// an Argon2id run, were it checked) to a server with a hello limit of 5/s per address, while a client that already
/// holds a session makes 64-caller unary calls. Reports hellos answered per second by outcome, and the session's
/// calls/s before and during the flood.
/// </summary>
public static class HelloFloodRunner
{
    public static async Task<int> RunAsync(TimeSpan window)
    {
        using ServerProcess server = ServerProcess.Start("tether", "--flood");
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await using var target = new Targets.TetherTarget(resumable: true, TetherCredentials.Bearer(ServerHost.BenchTokenAuthenticator.Token));
        await target.ConnectAsync(server.Port);
        await target.UnaryAsync(64, 100_000); // warm-up
        double quiet = await Rates.MeasureAsync(window, () => target.UnaryAsync(64, 20_000), 20_000);

        using var stop = new CancellationTokenSource();
        long unauthenticated = 0, limited = 0, other = 0;
        using var serverProcess = Process.GetProcessById(server.ProcessId);
        TimeSpan serverCpuBefore = serverProcess.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Task[] flooders = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var options = new TetherClientOptions { Credentials = TetherCredentials.ApiKey(ApiKeyFormat.NewKey(ServerHost.FloodKeyId)) };
                options.Reconnect.Enabled = false;
                try
                {
                    await using TetherClient guess = await TetherClient.ConnectAsync(endPoint, options);
                    Interlocked.Increment(ref other); // a wrong secret got in: never expected
                }
                catch (TetherException e) when (e.Code == TetherErrorCode.Unauthenticated)
                {
                    Interlocked.Increment(ref unauthenticated);
                }
                catch (TetherException e) when (e.Code == TetherErrorCode.RateLimited)
                {
                    Interlocked.Increment(ref limited);
                }
                catch (TetherException)
                {
                    Interlocked.Increment(ref other);
                }
            }
        }))];
        double flooded = await Rates.MeasureAsync(window, () => target.UnaryAsync(64, 20_000), 20_000);
        double seconds = clock.Elapsed.TotalSeconds;
        serverProcess.Refresh();
        TimeSpan serverCpu = serverProcess.TotalProcessorTime - serverCpuBefore;
        await stop.CancelAsync();
        await Task.WhenAll(flooders);

        Console.WriteLine($"hellos answered {(unauthenticated + limited + other) / seconds,10:N0}/s: unauthenticated (Argon2id ran) {unauthenticated / seconds,8:N0}/s, rate-limited {limited / seconds,8:N0}/s, other {other}");
        Console.WriteLine($"legitimate session unary64: {quiet,10:N0}/s before, {flooded,10:N0}/s during the flood ({flooded / quiet - 1:P1}; the flooding clients run in this process, on the same cores)");
        Console.WriteLine($"server CPU during the flood: {serverCpu.TotalSeconds / seconds:P0} of one core, serving the session's calls and the hellos");
        return other == 0 ? 0 : 1;
    }
}
