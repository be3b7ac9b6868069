using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Tether.Diagnostics;

/// <summary>Adds Tether's meter and activity sources to OpenTelemetry's providers.</summary>
public static class TetherInstrumentationExtensions
{
    /// <summary>Collects every instrument of the <c>Tether</c> meter (<c>docs/metrics.md</c>).</summary>
    public static MeterProviderBuilder AddTetherInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(TetherDiagnostics.MeterName);
    }

    /// <summary>Collects Tether's client and server spans (one per call, named <c>Service/Method</c>).</summary>
    public static TracerProviderBuilder AddTetherInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(TetherDiagnostics.ClientActivitySourceName, TetherDiagnostics.ServerActivitySourceName);
    }
}
