using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Tether.Benchmarks.Observability;

/// <summary>
/// What one duration measurement costs under the OpenTelemetry SDK, by the number of attributes it carries (issue 23's
/// metrics budget): Tether records two per call (client and server), with the six attributes of a successful call
/// (<c>rpc.system.name</c>, <c>rpc.method</c>, <c>network.transport</c>, <c>server.address</c>, <c>server.port</c>,
/// <c>rpc.response.status_code</c>) handed over as one ready array. The SDK hashes the attribute set on every
/// measurement to find its point, so this is the floor Tether's recording sits on. Run with
/// <c>dotnet run -c Release --project benchmarks/Tether.Benchmarks -- --filter '*MeasurementCostBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class MeasurementCostBenchmarks : IDisposable
{
    private static readonly KeyValuePair<string, object?>[] s_six =
    [
        new("rpc.system.name", "tether"),
        new("rpc.method", "Wire/Echo"),
        new("network.transport", "tcp"),
        new("server.address", "127.0.0.1"),
        new("server.port", 5000),
        new("rpc.response.status_code", "OK"),
    ];

    private static readonly KeyValuePair<string, object?>[] s_two = [new("rpc.method", "Wire/Echo"), new("rpc.response.status_code", "OK")];

    private Meter _meter = null!;
    private Histogram<double> _duration = null!;
    private MeterProvider _provider = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("Tether.Benchmarks.Measurement");
        _duration = _meter.CreateHistogram<double>("rpc.server.call.duration", "s");
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_meter.Name)
            .AddReader(new PeriodicExportingMetricReader(new DroppingExporter(), exportIntervalMilliseconds: 60_000))
            .Build();
    }

    [Benchmark(Baseline = true)]
    public void Record_six_attributes() => _duration.Record(Next(), (ReadOnlySpan<KeyValuePair<string, object?>>)s_six);

    [Benchmark]
    public void Record_two_attributes() => _duration.Record(Next(), (ReadOnlySpan<KeyValuePair<string, object?>>)s_two);

    [Benchmark]
    public void Record_no_attributes() => _duration.Record(Next());

    [GlobalCleanup]
    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
        GC.SuppressFinalize(this);
    }

    // Durations of a few hundred microseconds, varied so the histogram's bucket search is not always the same.
    private double Next() => 0.0002 + ((_i++ & 7) * 1e-6);

    private sealed class DroppingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
