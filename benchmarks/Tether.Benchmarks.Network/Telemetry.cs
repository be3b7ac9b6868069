using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tether.Diagnostics;

namespace Tether.Benchmarks.Network;

/// <summary>
/// What a process listens to while the observability benchmark runs: nothing, the Tether meter through the
/// OpenTelemetry SDK (aggregating every measurement, exported each second to an exporter that drops it), or that plus
/// every span (always sampled, batched to an exporter that drops them). The cost measured is the SDK's, as a user pays it.
/// </summary>
public static class Telemetry
{
    public static readonly string[] Modes = ["none", "metrics", "metrics+tracing"];

    public static IDisposable? Enable(string mode)
    {
        if (mode == "none")
        {
            return null;
        }

        if (mode == "listener")
        {
            // A MeterListener that takes every measurement and does nothing with it: the runtime's own cost of recording.
            var listener = new System.Diagnostics.Metrics.MeterListener
            {
                InstrumentPublished = static (instrument, l) =>
                {
                    if (instrument.Meter.Name == TetherDiagnostics.MeterName)
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            listener.Start();
            return listener;
        }

        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder()
            .AddTetherInstrumentation()
            .AddReader(new PeriodicExportingMetricReader(new DroppingMetricExporter(), exportIntervalMilliseconds: 1000));
        if (mode == "metrics-lean")
        {
            // What a high-rate service may keep: the call histograms by method and status only (an OpenTelemetry view).
            string[] kept = ["rpc.method", "rpc.response.status_code"];
            builder.AddView("rpc.server.call.duration", new ExplicitBucketHistogramConfiguration { TagKeys = kept })
                .AddView("rpc.client.call.duration", new ExplicitBucketHistogramConfiguration { TagKeys = kept });
        }

        MeterProvider meters = builder.Build();
        if (mode is "metrics" or "metrics-lean")
        {
            return meters;
        }

        TracerProvider tracer = Sdk.CreateTracerProviderBuilder()
            .AddTetherInstrumentation()
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new BatchActivityExportProcessor(new DroppingSpanExporter()))
            .Build();
        return new Both(meters, tracer);
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            second.Dispose();
            first.Dispose();
        }
    }

    private sealed class DroppingMetricExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }

    private sealed class DroppingSpanExporter : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch) => ExportResult.Success;
    }
}
