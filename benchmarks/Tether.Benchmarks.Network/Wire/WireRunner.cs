using System.Diagnostics;
using System.Globalization;
using System.Net;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network.Wire;

/// <summary>
/// <c>--wire [seconds] [rounds]</c>: how close a call through Tether's generated client comes to the wire. A server and a
/// client in separate processes; 1, 16 and 64 closed-loop callers over one connection, each call timed; beside it in the
/// same run a raw-socket echo of length-prefixed frames (<see cref="RawTarget"/>: a window of requests in flight, writes
/// batched, no correlation). Then an echo stream: one-way sends the server answers with pushes, 4,096 in flight (sent
/// one by one through the generated client, and in batches of 64 through <see cref="TetherPeer.SendBatchAsync{T}"/>),
/// against the raw echo with the same window. Each process's CPU time per call comes from the OS's accounting.
/// Each measurement gets a fresh server process and a warm-up of about a second, whose rate sizes the timed run to about
/// <c>seconds</c>; rounds interleave the targets and the table shows medians.
/// </summary>
public static class WireRunner
{
    private const int StreamWindow = 4096;
    private const int StreamBatch = 64;
    private static readonly int[] s_callers = [1, 16, 64];

    public static async Task<int> RunAsync(TimeSpan window, int rounds)
    {
        var unary = new Dictionary<(string Target, int Callers), List<Result>>();
        var stream = new Dictionary<string, List<Result>>();
        for (int round = 1; round <= rounds; round++)
        {
            foreach (int callers in s_callers)
            {
                foreach (string target in new[] { "tether", "raw" })
                {
                    Result result = await MeasureUnaryAsync(target, callers, window);
                    Add(unary, (target, callers), result);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} unary {target,-6} {callers,2} callers: {result}"));
                }
            }

            foreach (string target in new[] { "tether", "batched", "raw" })
            {
                Result result = await MeasureStreamAsync(target, window);
                Add(stream, target, result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} stream {target,-7}: {result}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Medians of {rounds} round(s) of about {window.TotalSeconds:N0} s each:");
        Console.WriteLine();
        Console.WriteLine("| shape | Tether /s | raw /s | Tether / raw | Tether p50 / p99 / p99.9 µs | raw p50 / p99 / p99.9 µs | Tether CPU µs (server + client) | raw CPU µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int callers in s_callers)
        {
            Print($"unary, {callers} caller{(callers == 1 ? "" : "s")}", Median(unary[("tether", callers)]), Median(unary[("raw", callers)]));
        }

        Print($"echo stream, {StreamWindow:N0} in flight", Median(stream["tether"]), Median(stream["raw"]));
        Print($"echo stream, sent in batches of {StreamBatch} (SendBatchAsync)", Median(stream["batched"]), Median(stream["raw"]));
        return 0;
    }

    /// <summary><c>--soak stream|streambatched tether|raw SECONDS</c>: the echo stream, steadily, for a profiler.</summary>
    public static async Task<int> SoakStreamAsync(string framework, bool batched, TimeSpan duration)
    {
        using ServerProcess server = ServerProcess.Start(framework == "raw" ? "raw" : "wire");
        Console.WriteLine($"server pid {server.ProcessId}, client pid {Environment.ProcessId}");
        await using IWireTarget client = framework == "raw" ? new RawWire() : new TetherWire(batched);
        await client.ConnectAsync(server.Port);
        long messages = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await client.StreamAsync(100_000);
            messages += 100_000;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stream {framework}{(batched ? " batched" : "")}: {messages / clock.Elapsed.TotalSeconds:N0} per second"));
        return 0;
    }

    private static void Print(string shape, Result tether, Result raw) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {shape} | {tether.PerSecond:N0} | {raw.PerSecond:N0} | {tether.PerSecond / raw.PerSecond:P0} | {tether.Latency} | {raw.Latency} | {tether.ServerCpu:F2} + {tether.ClientCpu:F2} = {tether.ServerCpu + tether.ClientCpu:F2} | {raw.ServerCpu:F2} + {raw.ClientCpu:F2} = {raw.ServerCpu + raw.ClientCpu:F2} |"));

    private static void Add<TKey>(Dictionary<TKey, List<Result>> results, TKey key, Result result)
        where TKey : notnull
    {
        if (!results.TryGetValue(key, out List<Result>? list))
        {
            results[key] = list = [];
        }

        list.Add(result);
    }

    // Each figure's own median: a round's p99 and its rate need not come from the same round.
    private static Result Median(List<Result> results) => new(
        Rates.Median(results.Select(static r => r.PerSecond)),
        Rates.Median(results.Select(static r => r.P50)),
        Rates.Median(results.Select(static r => r.P99)),
        Rates.Median(results.Select(static r => r.P999)),
        Rates.Median(results.Select(static r => r.ServerCpu)),
        Rates.Median(results.Select(static r => r.ClientCpu)));

    private static async Task<Result> MeasureUnaryAsync(string target, int callers, TimeSpan window)
    {
        using ServerProcess server = ServerProcess.Start(target == "raw" ? "raw" : "wire");
        await using IWireTarget client = target == "raw" ? new RawWire() : new TetherWire();
        await client.ConnectAsync(server.Port);
        int calls = await WarmUpAsync(count => client.UnaryAsync(callers, count, latencies: null), callers * 100, window);
        long[] latencies = new long[calls];
        using var cpu = new CpuClock(server.ProcessId);
        long start = Stopwatch.GetTimestamp();
        await client.UnaryAsync(callers, calls, latencies);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        (double serverCpu, double clientCpu) = cpu.MicrosPer(calls);
        Array.Sort(latencies);
        return new Result(calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)]), Micros(latencies[(int)(calls * 0.999)]), serverCpu, clientCpu);
    }

    private static async Task<Result> MeasureStreamAsync(string target, TimeSpan window)
    {
        using ServerProcess server = ServerProcess.Start(target == "raw" ? "raw" : "wire");
        await using IWireTarget client = target == "raw" ? new RawWire() : new TetherWire(batched: target == "batched");
        await client.ConnectAsync(server.Port);
        int messages = await WarmUpAsync(client.StreamAsync, StreamWindow * 4, window);
        using var cpu = new CpuClock(server.ProcessId);
        long start = Stopwatch.GetTimestamp();
        await client.StreamAsync(messages);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        (double serverCpu, double clientCpu) = cpu.MicrosPer(messages);
        return new Result(messages / elapsed.TotalSeconds, double.NaN, double.NaN, double.NaN, serverCpu, clientCpu);
    }

    /// <summary>
    /// Runs batches for about a second (JIT, pools, the thread pool's size settle), growing them until one takes a tenth
    /// of it; returns how many operations take about <paramref name="window"/> at the rate seen.
    /// </summary>
    private static async Task<int> WarmUpAsync(Func<int, Task> run, int batch, TimeSpan window)
    {
        long operations = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            long start = Stopwatch.GetTimestamp();
            await run(batch);
            operations += batch;
            if (Stopwatch.GetElapsedTime(start) < TimeSpan.FromMilliseconds(100))
            {
                batch *= 2;
            }
        }

        double rate = operations / clock.Elapsed.TotalSeconds;
        return (int)Math.Clamp(rate * window.TotalSeconds, 10_000, 50_000_000);
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    private readonly record struct Result(double PerSecond, double P50, double P99, double P999, double ServerCpu, double ClientCpu)
    {
        public string Latency => double.IsNaN(P50) ? "—" : string.Create(CultureInfo.InvariantCulture, $"{P50:F0} / {P99:F0} / {P999:F0}");

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{PerSecond,12:N0}/s  p50/p99/p99.9 {Latency,-18}  CPU per call: server {ServerCpu:F2} µs, client {ClientCpu:F2} µs");
    }

    /// <summary>Both processes' CPU time (user + system, from the OS) from construction until <see cref="MicrosPer"/>.</summary>
    private sealed class CpuClock : IDisposable
    {
        private readonly Process _server;
        private readonly Process _client = Process.GetCurrentProcess();
        private readonly TimeSpan _serverStart;
        private readonly TimeSpan _clientStart;

        public CpuClock(int serverProcessId)
        {
            _server = Process.GetProcessById(serverProcessId);
            _serverStart = _server.TotalProcessorTime;
            _clientStart = _client.TotalProcessorTime;
        }

        public (double Server, double Client) MicrosPer(int operations)
        {
            _server.Refresh();
            _client.Refresh();
            return ((_server.TotalProcessorTime - _serverStart).TotalMicroseconds / operations,
                (_client.TotalProcessorTime - _clientStart).TotalMicroseconds / operations);
        }

        public void Dispose()
        {
            _server.Dispose();
            _client.Dispose();
        }
    }

    private interface IWireTarget : IAsyncDisposable
    {
        Task ConnectAsync(int port);

        Task UnaryAsync(int callers, int calls, long[]? latencies);

        Task StreamAsync(int messages);
    }

    /// <summary>The raw echo: the stream is the same echo with a window of <see cref="StreamWindow"/>.</summary>
    private sealed class RawWire : IWireTarget
    {
        private readonly RawTarget _raw = new();

        public Task ConnectAsync(int port) => _raw.ConnectAsync(port);

        public Task UnaryAsync(int callers, int calls, long[]? latencies) => _raw.UnaryAsync(callers, calls, latencies);

        public Task StreamAsync(int messages) => _raw.UnaryAsync(StreamWindow, messages);

        public ValueTask DisposeAsync() => _raw.DisposeAsync();
    }

    /// <param name="batched">The stream's sends go out in batches of <see cref="StreamBatch"/> (<see cref="TetherPeer.SendBatchAsync{T}"/>).</param>
    private sealed class TetherWire(bool batched = false) : IWireTarget
    {
        private readonly WireEchoes _echoes = new();
        private TetherClient? _client;
        private IWire.Client? _wire;

        public async Task ConnectAsync(int port)
        {
            _client = await TetherClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), new TetherClientOptions(), client => client.AddHandler(_echoes));
            _wire = new IWire.Client(_client);
        }

        public Task UnaryAsync(int callers, int calls, long[]? latencies)
        {
            IWire.Client wire = _wire!;
            return Task.WhenAll(Enumerable.Range(0, callers).Select(caller => CallerAsync(wire, caller, callers, calls, latencies)));
        }

        // A plain loop per caller through the generated client: its request path is what is measured.
        private static async Task CallerAsync(IWire.Client wire, int caller, int callers, int calls, long[]? latencies)
        {
            await Task.Yield();
            int share = calls / callers + (caller < calls % callers ? 1 : 0);
            int offset = caller * (calls / callers) + Math.Min(caller, calls % callers);
            Order order = Order.Sample;
            for (int i = 0; i < share; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await wire.Echo(order, CancellationToken.None).ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[offset + i] = Stopwatch.GetTimestamp() - start;
                }
            }
        }

        public async Task StreamAsync(int messages)
        {
            if (batched)
            {
                await StreamBatchedAsync(messages).ConfigureAwait(false);
                return;
            }

            IWire.Client wire = _wire!;
            using var window = new SemaphoreSlim(StreamWindow);
            _echoes.Use(window);
            OrderPlaced order = OrderPlaced.Sample;
            for (int i = 0; i < messages; i++)
            {
                if (!window.Wait(0))
                {
                    await window.WaitAsync().ConfigureAwait(false);
                }

                await wire.Stream(order, CancellationToken.None).ConfigureAwait(false);
            }

            // Every echo back: the whole window free again.
            for (int i = 0; i < StreamWindow; i++)
            {
                await window.WaitAsync().ConfigureAwait(false);
            }

            _echoes.Use(null);
        }

        private async Task StreamBatchedAsync(int messages)
        {
            TetherClient client = _client!;
            using var window = new SemaphoreSlim(StreamWindow);
            _echoes.Use(window);
            WireItem[] batch = [.. Enumerable.Repeat(WireItem.Sample, StreamBatch)];
            for (int sent = 0; sent < messages; sent += StreamBatch)
            {
                int count = Math.Min(StreamBatch, messages - sent);
                for (int i = 0; i < count; i++)
                {
                    if (!window.Wait(0))
                    {
                        await window.WaitAsync().ConfigureAwait(false);
                    }
                }

                await client.SendBatchAsync<WireItem>(batch.AsMemory(0, count)).ConfigureAwait(false);
            }

            for (int i = 0; i < StreamWindow; i++)
            {
                await window.WaitAsync().ConfigureAwait(false);
            }

            _echoes.Use(null);
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is not null)
            {
                await _client.DisposeAsync();
            }
        }
    }
}
