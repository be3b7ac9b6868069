using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Tether.Cli.Commands;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli.Bench;

/// <summary>
/// <c>tether bench SERVICE/METHOD [JSON]</c>: closed-loop callers over one or more connections for a duration (or a
/// number of calls), each call timed; prints calls/s and latency percentiles, with a progress line every second. A call
/// is a unary call, a whole server stream (read to its end; its items and time to the first are reported too), or one
/// one-way message (timed until the client has queued it: one-way sends have no answer).
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CommandRunner runner)
    {
        var method = new Argument<string>("method") { Description = "A unary, server-streaming or one-way SERVICE/METHOD." };
        var json = new Argument<string?>("json") { Description = "The request as JSON (default {}), encoded once.", Arity = ArgumentArity.ZeroOrOne };
        var callers = new Option<int>("--callers", "-c") { Description = "Concurrent callers, each waiting for its reply before the next call (default 64).", DefaultValueFactory = static _ => 64 };
        var connections = new Option<int>("--connections", "-n") { Description = "Connections the callers share round robin (default 1).", DefaultValueFactory = static _ => 1 };
        var duration = new Option<string>("--duration", "-z") { Description = "How long to measure (default 10s).", DefaultValueFactory = static _ => "10s" };
        var warmup = new Option<string>("--warmup") { Description = "Calls before measuring (not counted; default 1s).", DefaultValueFactory = static _ => "1s" };
        var maxCalls = new Option<long>("--calls") { Description = "Stop after this many measured calls (default: no limit)." };
        var command = new Command("bench", "Load a unary, server-streaming or one-way method: calls/s and latency percentiles.") { method, json, callers, connections, duration, warmup, maxCalls };
        command.SetAction(runner.Connected(async run =>
        {
            int callerCount = run.Parse.GetValue(callers);
            int connectionCount = run.Parse.GetValue(connections);
            if (callerCount < 1 || connectionCount < 1 || connectionCount > callerCount)
            {
                throw new UsageException("--callers and --connections must be 1 or more, with no more connections than callers.");
            }

            MethodTarget target = await MethodTarget.ResolveAsync(run.Client, run.Parse.GetValue(method)!, run.Cancellation).ConfigureAwait(false);
            if (target.Method.Kind is not (MethodKind.Unary or MethodKind.ServerStreaming or MethodKind.OneWay))
            {
                throw new UsageException($"{target.Service.Name}/{target.Shape.Name} is {InspectCommand.Kind(target.Method.Kind)}; bench measures unary, server-streaming and one-way methods (it sends one request).");
            }

            byte[] body = target.EncodeRequest(run.Parse.GetValue(json) ?? "{}");
            var clients = new List<TetherClient> { run.Client };
            try
            {
                for (int i = 1; i < connectionCount; i++)
                {
                    clients.Add(await ClientFactory.ConnectAsync(run.Settings, run.Cancellation).ConfigureAwait(false));
                }

                var plan = new BenchPlan(
                    target.Method,
                    body,
                    callerCount,
                    Durations.Parse(run.Parse.GetValue(warmup)!, "warmup"),
                    Durations.Parse(run.Parse.GetValue(duration)!, "duration"),
                    run.Parse.GetValue(maxCalls) is > 0 and var limit ? limit : long.MaxValue);
                BenchResult result = await BenchRunner.RunAsync(plan, clients, run.Json ? null : run.Error, run.Cancellation).ConfigureAwait(false);
                Report(run, target, callerCount, connectionCount, result);
                return result.Calls == 0 && result.FirstError is { } failure ? ExitCodes.Of(failure) : ExitCodes.Success;
            }
            finally
            {
                foreach (TetherClient extra in clients.Skip(1))
                {
                    await extra.DisposeAsync().ConfigureAwait(false);
                }
            }
        }));
        return command;
    }

    private static void WritePercentiles(System.Text.Json.Utf8JsonWriter writer, string name, LatencyHistogram h)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("p50", h.Percentile(50));
        writer.WriteNumber("p90", h.Percentile(90));
        writer.WriteNumber("p99", h.Percentile(99));
        writer.WriteNumber("p99.9", h.Percentile(99.9));
        writer.WriteNumber("max", h.Max);
        writer.WriteEndObject();
    }

    private static void WriteLatency(TextWriter output, string label, LatencyHistogram h) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-10} p50 {h.Percentile(50):N0} µs   p90 {h.Percentile(90):N0} µs   p99 {h.Percentile(99):N0} µs   p99.9 {h.Percentile(99.9):N0} µs   max {h.Max:N0} µs"));

    private static void Report(Invocation run, MethodTarget target, int callers, int connections, BenchResult result)
    {
        double seconds = result.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? result.Calls / seconds : 0;
        LatencyHistogram h = result.Latencies;
        if (run.Json)
        {
            Json.Write(run.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("method", $"{target.Service.Name}/{target.Shape.Name}");
                writer.WriteString("kind", InspectCommand.Kind(target.Method.Kind));
                writer.WriteNumber("callers", callers);
                writer.WriteNumber("connections", connections);
                writer.WriteNumber("seconds", Math.Round(seconds, 3));
                writer.WriteNumber("calls", result.Calls);
                writer.WriteNumber("errors", result.Errors);
                writer.WriteNumber("callsPerSecond", Math.Round(rate, 1));
                WritePercentiles(writer, "latencyMicroseconds", h);
                if (target.Method.Kind == MethodKind.ServerStreaming)
                {
                    writer.WriteNumber("items", result.Items);
                    writer.WriteNumber("itemsPerSecond", Math.Round(seconds > 0 ? result.Items / seconds : 0, 1));
                    WritePercentiles(writer, "firstItemMicroseconds", result.FirstItems);
                }

                if (result.FirstError is { } error)
                {
                    writer.WriteString("firstError", ExitCodes.Describe(error));
                }

                writer.WriteEndObject();
            });
            return;
        }

        string unit = target.Method.Kind switch { MethodKind.ServerStreaming => "streams", MethodKind.OneWay => "sends", _ => "calls" };
        run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Service.Name}/{target.Shape.Name} ({InspectCommand.Kind(target.Method.Kind)}): {callers} callers over {connections} connection(s), {seconds:0.0} s"));
        run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {unit,-10} {result.Calls:N0} ({result.Errors:N0} failed)"));
        run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {unit + "/s",-10} {rate:N0}"));
        WriteLatency(run.Out, target.Method.Kind == MethodKind.ServerStreaming ? "whole" : "latency", h);
        if (target.Method.Kind == MethodKind.ServerStreaming)
        {
            run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  items      {result.Items:N0} ({(seconds > 0 ? result.Items / seconds : 0):N0}/s)"));
            WriteLatency(run.Out, "first item", result.FirstItems);
        }
        if (result.FirstError is { } first)
        {
            run.Out.WriteLine($"  first error: {ExitCodes.Describe(first)}");
        }
    }
}

/// <summary>What to run: the method and its encoded request, how many callers, for how long.</summary>
internal sealed record BenchPlan(MethodDescriptor Method, byte[] Body, int Callers, TimeSpan Warmup, TimeSpan Duration, long MaxCalls);

/// <summary>What a run measured; for a server stream also its items and each stream's time to its first item.</summary>
internal sealed record BenchResult(long Calls, long Errors, TimeSpan Elapsed, LatencyHistogram Latencies, Exception? FirstError, long Items = 0, LatencyHistogram? FirstItemLatencies = null)
{
    /// <summary>Time to each measured stream's first item (empty for other kinds).</summary>
    public LatencyHistogram FirstItems => FirstItemLatencies ?? new LatencyHistogram();
}

/// <summary>Runs the callers: a warm-up, then the measured window; a progress line per second.</summary>
internal static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(BenchPlan plan, IReadOnlyList<TetherClient> clients, TextWriter? progress, CancellationToken cancellationToken)
    {
        var state = new RunState(plan.MaxCalls);
        var callers = new Caller[plan.Callers];
        var tasks = new Task[plan.Callers];
        for (int i = 0; i < callers.Length; i++)
        {
            callers[i] = new Caller();
            tasks[i] = CallLoopAsync(callers[i], clients[i % clients.Count], plan, state, cancellationToken);
        }

        Task all = Task.WhenAll(tasks);
        await WaitAsync(all, plan.Warmup, cancellationToken).ConfigureAwait(false);
        state.StartMeasuring();
        long started = Stopwatch.GetTimestamp();
        Task stop = Task.Delay(plan.Duration, cancellationToken);
        while (!all.IsCompleted && !stop.IsCompleted)
        {
            await Task.WhenAny(all, stop, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
            if (progress is not null && !all.IsCompleted)
            {
                long calls = callers.Sum(static c => Volatile.Read(ref c.Calls));
                double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{seconds,5:0.0} s] {calls,12:N0} calls {calls / seconds,12:N0} calls/s"));
            }
        }

        state.Stop();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        await all.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var merged = new LatencyHistogram();
        var firstItems = new LatencyHistogram();
        foreach (Caller caller in callers)
        {
            merged.Add(caller.Latencies);
            firstItems.Add(caller.FirstItems);
        }

        return new BenchResult(merged.Count, callers.Sum(static c => c.Errors), elapsed, merged, state.FirstError, callers.Sum(static c => c.Items), firstItems);
    }

    private static async Task WaitAsync(Task all, TimeSpan warmup, CancellationToken cancellationToken)
    {
        if (warmup > TimeSpan.Zero)
        {
            await Task.WhenAny(all, Task.Delay(warmup, cancellationToken)).ConfigureAwait(false);
        }
    }

    private static async Task CallLoopAsync(Caller caller, TetherClient client, BenchPlan plan, RunState state, CancellationToken cancellationToken)
    {
        await Task.Yield(); // every caller on the thread pool, not the starting thread
        while (!state.Stopped && !cancellationToken.IsCancellationRequested)
        {
            bool measured = state.Measuring;
            long start = Stopwatch.GetTimestamp();
            long items = 0;
            long firstItem = 0;
            try
            {
                switch (plan.Method.Kind)
                {
                    case MethodKind.ServerStreaming:
                        await foreach (EncodedMessage _ in client.InvokeEncodedStreamAsync(plan.Method, plan.Body, new CallOptions { CancellationToken = cancellationToken }).ConfigureAwait(false))
                        {
                            if (items++ == 0)
                            {
                                firstItem = Stopwatch.GetTimestamp();
                            }
                        }

                        break;
                    case MethodKind.OneWay:
                        await client.InvokeEncodedOneWayAsync(plan.Method, plan.Body).ConfigureAwait(false);
                        break;
                    default:
                        await client.InvokeEncodedAsync(plan.Method, plan.Body).ConfigureAwait(false);
                        break;
                }
            }
            catch (TetherException e)
            {
                state.Failed(e);
                if (measured)
                {
                    caller.Errors++;
                }

                if (e.Code is TetherErrorCode.ConnectionClosed or TetherErrorCode.GoingAway)
                {
                    return; // the link is gone: nothing more to measure on it
                }

                continue;
            }

            if (measured && state.Measuring && state.TakeCall())
            {
                caller.Latencies.Record((long)Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                if (items > 0)
                {
                    caller.FirstItems.Record((long)Stopwatch.GetElapsedTime(start, firstItem).TotalMicroseconds);
                    caller.Items += items;
                }

                Volatile.Write(ref caller.Calls, caller.Calls + 1);
            }
        }
    }

    private sealed class Caller
    {
        public readonly LatencyHistogram Latencies = new();
        public readonly LatencyHistogram FirstItems = new();
        public long Items;
        public long Calls;
        public long Errors;
    }

    private sealed class RunState(long maxCalls)
    {
        private volatile bool _measuring;
        private volatile bool _stopped;
        private long _remaining = maxCalls;
        private Exception? _firstError;

        public bool Measuring => _measuring;

        public bool Stopped => _stopped;

        public Exception? FirstError => Volatile.Read(ref _firstError);

        public void StartMeasuring() => _measuring = true;

        public void Stop()
        {
            _measuring = false;
            _stopped = true;
        }

        /// <summary>Counts one measured call against the limit; false (and the run stops) once it is reached.</summary>
        public bool TakeCall()
        {
            if (_remaining == long.MaxValue)
            {
                return true;
            }

            if (Interlocked.Decrement(ref _remaining) >= 0)
            {
                return true;
            }

            _stopped = true;
            return false;
        }

        public void Failed(Exception error) => Interlocked.CompareExchange(ref _firstError, error, null);
    }
}
