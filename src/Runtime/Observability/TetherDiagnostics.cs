namespace Tether;

/// <summary>
/// The names Tether's telemetry is published under: give them to a metrics or tracing pipeline (OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c>, or <c>AddTetherInstrumentation()</c> which does both).
/// </summary>
public static class TetherDiagnostics
{
    /// <summary>The meter of every Tether instrument (<c>docs/metrics.md</c>).</summary>
    public const string MeterName = "Tether";

    /// <summary>The activity source of outgoing calls: one client span per call, named <c>Service/Method</c>.</summary>
    public const string ClientActivitySourceName = "Tether.Client";

    /// <summary>The activity source of incoming calls: one server span per call, a child of the caller's span.</summary>
    public const string ServerActivitySourceName = "Tether.Server";
}
