using System.Diagnostics;

namespace Tether.Benchmarks.Network.Targets;

/// <summary>One framework's client, connected to its server process, driving the same Order echo.</summary>
public abstract class Target : IAsyncDisposable
{
    public static Target Create(string framework) => framework switch
    {
        "tether" => new TetherTarget(resumable: true),
        "tether-plain" => new TetherTarget(resumable: false),
        "tether-secured" => new TetherTarget(resumable: true, Security.TetherCredentials.Bearer(Servers.ServerHost.BenchTokenAuthenticator.Token)),
        "grpc" => new GrpcTarget(),
        "raw" => new RawTarget(),
        _ => throw new ArgumentException($"unknown framework '{framework}'"),
    };

    /// <summary>The server process this client talks to (<c>--serve</c> argument).</summary>
    public abstract string ServerFramework { get; }

    public abstract Task ConnectAsync(int port);

    /// <summary>
    /// Makes <paramref name="calls"/> request/response calls from <paramref name="callers"/> concurrent callers. When
    /// <paramref name="latencies"/> is given, each call's duration (Stopwatch ticks) is stored in it.
    /// </summary>
    public abstract Task UnaryAsync(int callers, int calls, long[]? latencies = null);

    /// <summary>Sends <paramref name="messages"/> one-way messages back to back, then waits until the server has them all; returns the server's count.</summary>
    public abstract Task<long> OneWayAsync(int messages);

    public abstract ValueTask DisposeAsync();

    /// <summary>Splits <paramref name="calls"/> over <paramref name="callers"/> tasks running <paramref name="call"/>.</summary>
    protected static Task RunCallers(int callers, int calls, long[]? latencies, Func<Task> call) =>
        Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            int share = calls / callers + (caller < calls % callers ? 1 : 0);
            int offset = caller * (calls / callers) + Math.Min(caller, calls % callers);
            for (int i = 0; i < share; i++)
            {
                long start = latencies is null ? 0 : Stopwatch.GetTimestamp();
                await call().ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[offset + i] = Stopwatch.GetTimestamp() - start;
                }
            }
        }));
}
