using System.Diagnostics;

namespace Tether.Observability;

/// <summary>
/// One outgoing call while someone observes it: its start time for <c>rpc.client.call.duration</c> (when that
/// histogram is listened to) and its client span (when the client source is sampled). Taken only on the observed path
/// (<see cref="IsObserved"/>) and carried by the pending call, which completes it with its answer: no wrapper around
/// the caller's task, so timing allocates nothing and adds no hop. A stream's reader completes it at the stream's end.
/// </summary>
internal readonly struct ClientCallScope
{
    private readonly ConnectionMetrics _metrics;
    private readonly string _method;
    private readonly long _startedAt;
    private readonly Activity? _activity;
    private readonly Activity? _callersActivity;

    private ClientCallScope(ConnectionMetrics metrics, string method, long startedAt, Activity? activity, Activity? callersActivity)
    {
        _metrics = metrics;
        _method = method;
        _startedAt = startedAt;
        _activity = activity;
        _callersActivity = callersActivity;
    }

    /// <summary>The span the call's headers carry as their trace context, or null.</summary>
    public Activity? Activity => _activity;

    /// <summary>Something to complete: the call is timed or has a span.</summary>
    public bool IsActive => _startedAt != 0 || _activity is not null;

    /// <summary>This scope without its timing and span ending (a stream's pending call: the reader completes the real one).</summary>
    public ClientCallScope TracingOnly => new(_metrics, _method, 0, null, null) { SpanForEvents = _activity };

    /// <summary>The span resume events go to (the call's span, also on a <see cref="TracingOnly"/> copy).</summary>
    public Activity? SpanForEvents { get => field ?? _activity; private init; }

    /// <summary>Whether a call on this connection is timed or traced (one field read, one listener check).</summary>
    public static bool IsObserved(ConnectionMetrics metrics) => metrics.TimesClientCalls || TetherTracing.Client.HasListeners();

    /// <summary>Whether someone listens to the client spans.</summary>
    public static bool IsTraced => TetherTracing.Client.HasListeners();

    /// <summary>Starts timing (unless <paramref name="timed"/> is false) and, when sampled, the call's span (a child of the caller's current activity).</summary>
    public static ClientCallScope Start(ConnectionMetrics metrics, string method, bool timed = true)
    {
        long startedAt = timed && metrics.TimesClientCalls ? Stopwatch.GetTimestamp() : 0;
        if (!TetherTracing.Client.HasListeners())
        {
            return new ClientCallScope(metrics, method, startedAt, null, null);
        }

        Activity? callers = Activity.Current;
        Activity? activity = TetherTracing.Client.StartActivity(method, ActivityKind.Client);
        if (activity is not null)
        {
            metrics.Describe(activity, method);
        }

        return new ClientCallScope(metrics, method, startedAt, activity, callers);
    }

    /// <summary>The request was handed over: the caller's own activity is current again (the span lives on until the answer).</summary>
    public void Leave()
    {
        if (_activity is not null)
        {
            Activity.Current = _callersActivity;
        }
    }

    /// <summary>
    /// The call was refused before it left (deadline passed, table full, link closed): the caller's activity is current
    /// again, the call is still timed and its span ended; returns <paramref name="error"/>.
    /// </summary>
    public Exception Completed(Exception error)
    {
        Leave();
        Complete(error);
        return error;
    }

    /// <summary>The call is over: records its duration and ends its span with its outcome.</summary>
    public void Complete(Exception? error)
    {
        if (_startedAt != 0)
        {
            _metrics.RecordClientCall(_method, _startedAt, error);
        }

        if (_activity is { } activity)
        {
            TetherTracing.SetOutcome(activity, error);
            activity.Stop();
        }
    }
}
