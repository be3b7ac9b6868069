using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Tether.Benchmarks.Network.Targets;

namespace Tether.Benchmarks.Network;

/// <summary>Shared set-up: the server runs in its own process; this process is the client.</summary>
public abstract class NetworkBenchmarkBase
{
    private ServerProcess? _server;

    /// <summary>The client under test (each concrete class declares the values as a BenchmarkDotNet parameter).</summary>
    public abstract string Framework { get; set; }

    protected Target Target { get; private set; } = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Target = Target.Create(Framework);
        _server = ServerProcess.Start(Target.ServerFramework);
        await Target.ConnectAsync(_server.Port);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await Target.DisposeAsync();
        _server?.Dispose();
    }
}

/// <summary>Request/response calls of the standard Order over one loopback TCP connection. One operation = one call.</summary>
[Config(typeof(LongWarmupConfig))]
public class UnaryBenchmarks : UnaryBenchmarkBase
{
    [Params("tether", "grpc", "raw")]
    public override string Framework { get; set; } = "tether";
}

/// <summary>
/// The cost of resumable sessions (sequence numbers, acks, the replay buffer) on calls: "tether" is the default
/// resumable session, "tether-plain" the same client with <c>Resumable = false</c>, against the same server.
/// </summary>
[Config(typeof(LongWarmupConfig))]
public class SequencingUnaryBenchmarks : UnaryBenchmarkBase
{
    [Params("tether", "tether-plain")]
    public override string Framework { get; set; } = "tether";
}

/// <summary>One-way Orders pipelined back to back (thousands in flight), then a barrier. One operation = one message.</summary>
[Config(typeof(LongWarmupConfig))]
public class OneWayBenchmarks : OneWayBenchmarkBase
{
    [Params("tether", "grpc", "raw")]
    public override string Framework { get; set; } = "tether";
}

/// <summary>The cost of resumable sessions on pipelined one-way messages (see <see cref="SequencingUnaryBenchmarks"/>).</summary>
[Config(typeof(LongWarmupConfig))]
public class SequencingOneWayBenchmarks : OneWayBenchmarkBase
{
    [Params("tether", "tether-plain")]
    public override string Framework { get; set; } = "tether";
}

/// <summary>Request/response calls from <see cref="Callers"/> concurrent callers. One operation = one call.</summary>
public abstract class UnaryBenchmarkBase : NetworkBenchmarkBase
{
    public const int CallsPerInvoke = 20_000;

    [Params(1, 16, 64)]
    public int Callers { get; set; }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task Unary() => Target.UnaryAsync(Callers, CallsPerInvoke);
}

/// <summary>One-way Orders pipelined back to back (thousands in flight), then a barrier. One operation = one message.</summary>
public abstract class OneWayBenchmarkBase : NetworkBenchmarkBase
{
    public const int MessagesPerInvoke = 200_000;

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async Task OneWay()
    {
        long received = await Target.OneWayAsync(MessagesPerInvoke);
        if (received < MessagesPerInvoke)
        {
            throw new InvalidOperationException($"the server saw {received} of {MessagesPerInvoke} messages");
        }
    }
}

/// <summary>
/// Throughput keeps climbing for seconds (tiered compilation and the thread pool settle: measured with
/// <c>--soak oneway tether</c>: 1.7 M/s averaged over 2 s, 5.1 M/s over 5 s, 7.3 M/s over 15 s), so warm up longer.
/// </summary>
public sealed class LongWarmupConfig : ManualConfig
{
    public LongWarmupConfig()
    {
        AddJob(Job.Default.WithWarmupCount(40).WithIterationCount(10).WithInvocationCount(1).WithUnrollFactor(1));
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
