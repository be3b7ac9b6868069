using System.Diagnostics;

namespace Tether.Observability;

/// <summary>
/// Tether's activity sources and the binary W3C trace context the call headers carry (<c>docs/wire-format.md</c> §6.9:
/// version 0, trace id, parent span id, flags). A span exists, and the context travels, only while a listener samples
/// the source: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null otherwise.
/// </summary>
internal static class TetherTracing
{
    private const string Version = "1.0";
    private const int TraceParentLength = Framing.CallHeaderCodec.TraceParentLength;

    public static readonly ActivitySource Client = new(TetherDiagnostics.ClientActivitySourceName, Version);

    public static readonly ActivitySource Server = new(TetherDiagnostics.ServerActivitySourceName, Version);

    /// <summary>The 26-byte binary form of <paramref name="context"/>.</summary>
    public static byte[] EncodeTraceParent(in ActivityContext context)
    {
        byte[] bytes = new byte[TraceParentLength];
        bytes[0] = 0; // version
        context.TraceId.CopyTo(bytes.AsSpan(1, 16));
        context.SpanId.CopyTo(bytes.AsSpan(17, 8));
        bytes[25] = (byte)context.TraceFlags;
        return bytes;
    }

    /// <summary>The caller's span context from the received headers; false when there is none (or another version).</summary>
    public static bool TryDecodeTraceParent(byte[]? traceParent, string? traceState, out ActivityContext context)
    {
        if (traceParent is not { Length: TraceParentLength } bytes || bytes[0] != 0)
        {
            context = default;
            return false;
        }

        var traceId = ActivityTraceId.CreateFromBytes(bytes.AsSpan(1, 16));
        var spanId = ActivitySpanId.CreateFromBytes(bytes.AsSpan(17, 8));
        context = new ActivityContext(traceId, spanId, (ActivityTraceFlags)(bytes[25] & 1), traceState, isRemote: true);
        return true;
    }

    /// <summary>Sets the span's outcome: OK, or an error with the same status names the metrics use.</summary>
    public static void SetOutcome(Activity activity, Exception? error, TetherErrorCode code = TetherErrorCode.None)
    {
        if (error is null && code == TetherErrorCode.None)
        {
            activity.SetTag(MetricTags.StatusOk.Key, MetricTags.StatusOk.Value);
            activity.SetStatus(ActivityStatusCode.Ok);
            return;
        }

        (KeyValuePair<string, object?> status, KeyValuePair<string, object?> type) = code != TetherErrorCode.None
            ? MetricTags.ForCode(code)
            : MetricTags.ForError(error!);
        activity.SetTag(status.Key, status.Value);
        activity.SetTag(type.Key, type.Value);
        activity.SetStatus(ActivityStatusCode.Error, error?.Message);
    }
}
