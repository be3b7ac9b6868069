using Tether.Framing;
using Tether.Observability;

namespace Tether.Connections;

/// <summary>How incoming calls are observed: their server spans (children of the caller's, from the call headers) and durations.</summary>
internal sealed partial class IncomingCalls
{
    /// <summary>Adds the spans of the running calls to <paramref name="spans"/> (a resume records itself on them).</summary>
    public void CollectSpans(List<System.Diagnostics.Activity> spans) => _calls.CollectSpans(spans);

    /// <summary>The call's server span: a child of the caller's span when its headers carry one.</summary>
    private System.Diagnostics.Activity? StartSpan(IncomingCall call, IncomingCallHeaders? headers)
    {
        string name = call.Method?.FullName ?? "unknown";
        TetherTracing.TryDecodeTraceParent(headers?.TraceParent, headers?.TraceState, out System.Diagnostics.ActivityContext caller);
        System.Diagnostics.Activity? span = TetherTracing.Server.StartActivity(name, System.Diagnostics.ActivityKind.Server, caller);
        if (span is not null)
        {
            _connection.Metrics.Describe(span, name);
        }

        return span;
    }

    private static void RestoreActivity(IncomingCall call, System.Diagnostics.Activity? loopActivity)
    {
        if (call.Trace is not null)
        {
            System.Diagnostics.Activity.Current = loopActivity;
        }
    }

    /// <summary>Records the call's duration and ends its span, with the code it was answered with.</summary>
    private void Observe(IncomingCall call, Exception? error)
    {
        TetherErrorCode code = error is null ? TetherErrorCode.None : Classify(call, error);
        if (call.StartedAt != 0)
        {
            _connection.Metrics.RecordServerCall(call.Method?.FullName ?? "unknown", call.StartedAt, code);
        }

        if (call.Trace is { } span)
        {
            TetherTracing.SetOutcome(span, error, code);
            span.Stop();
        }
    }
}
