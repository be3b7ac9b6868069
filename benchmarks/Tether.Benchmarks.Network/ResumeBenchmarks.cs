using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Benchmarks.Network;

/// <summary>
/// Time from link loss to resumed session on loopback TCP: each iteration aborts the client's socket and waits for
/// <see cref="TetherClient.Reconnected"/> (resumed). That covers noticing the loss, the reconnect backoff (here 1 ms
/// without jitter; the default first delay is 0.8–1 s), TCP connect, the resume hello round trip, the server's
/// hand-over of the session to the new link and the exchange of last-received sequences. One iteration = one resume;
/// the Median column is the median of 100 resumes.
/// </summary>
[Config(typeof(ResumeConfig))]
public class ResumeBenchmarks
{
    private TetherServer? _server;
    private TetherClient? _client;
    private readonly CuttableConnector _connector = new(TcpTransport.Default);
    private TaskCompletionSource<ReconnectAttempt> _resumed = new();

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        _server.AddHandler(new EchoHandler());
        await _server.StartAsync();
        var options = new TetherClientOptions { Transport = _connector };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(1);
        options.Reconnect.Jitter = 0;
        _client = new TetherClient(options);
        _client.Reconnected += attempt => _resumed.TrySetResult(attempt);
        await _client.StartAsync(_server.LocalEndPoint!);
    }

    [IterationSetup]
    public void ArmIteration() =>
        _resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);

    [Benchmark]
    public async Task LinkLossToResumed()
    {
        _connector.Cut();
        ReconnectAttempt attempt = await _resumed.Task.WaitAsync(TimeSpan.FromMinutes(1));
        if (!attempt.Resumed)
        {
            throw new InvalidOperationException("the session restarted instead of resuming");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _client!.DisposeAsync();
        await _server!.DisposeAsync();
    }

    /// <summary>100 measured resumes, one per iteration, after 10 warm-up resumes.</summary>
    public sealed class ResumeConfig : ManualConfig
    {
        public ResumeConfig()
        {
            AddJob(Job.Default.WithWarmupCount(10).WithIterationCount(100).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Min, StatisticColumn.Max);
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }

    /// <summary>Opens TCP links and can abort the latest one, as a network failure would.</summary>
    private sealed class CuttableConnector(ITransportConnector inner) : ITransportConnector
    {
        private TransportConnection? _latest;

        public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
        {
            TransportConnection connection = await inner.ConnectAsync(endPoint, options, cancellationToken);
            Volatile.Write(ref _latest, connection);
            return connection;
        }

        public void Cut() => Volatile.Read(ref _latest)?.Abort(new IOException("The benchmark cut the link."));
    }
}
