using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--deadlines [calls] [ms]</c>: how late a call's deadline fires, on each side. Calls with a timeout of
/// <c>ms</c> go to a handler that never answers, 8 at a time, over TCP in one process; reported: when the caller got
/// its <see cref="DeadlineExceededException"/> and when the handler's token fired, as percentiles of the lateness.
/// </summary>
public static class DeadlineRunner
{
    public static async Task<int> RunAsync(int calls, int timeoutMs)
    {
        var handler = new WaitHandler();
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(handler);
        await server.StartAsync();
        await using TetherClient client = await TetherClient.ConnectAsync(server.LocalEndPoint!, CancellationToken.None);
        var waits = new WaitHandler.Client(client);
        var timeout = TimeSpan.FromMilliseconds(timeoutMs);

        var caller = new double[calls];
        int next = -1;
        int serverSide = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    await waits.Wait(new WaitRequest(i), CallOptions.WithTimeout(timeout));
                }
                catch (DeadlineExceededException e)
                {
                    caller[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (e.ServerGaveUp)
                    {
                        Interlocked.Increment(ref serverSide);
                    }
                }
            }
        }));

        double[] handlerSide = [.. handler.FiredAfterMs];
        Console.WriteLine($"{calls} calls with a {timeoutMs} ms deadline ({serverSide} reported as the server giving up first)");
        Print("caller gets DeadlineExceededException", caller, timeoutMs);
        Print("handler's token fires (from arrival)", handlerSide, timeoutMs);
        return 0;
    }

    private static void Print(string what, double[] elapsed, int timeoutMs)
    {
        Array.Sort(elapsed);
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(c, "{0}: late by p50 {1:F1} ms, p99 {2:F1} ms, max {3:F1} ms",
            what, elapsed[elapsed.Length / 2] - timeoutMs, elapsed[(int)(elapsed.Length * 0.99)] - timeoutMs, elapsed[^1] - timeoutMs));
    }
}
