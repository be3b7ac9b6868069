using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tether.Observability;

/// <summary>
/// One outgoing call while someone observes it: its start time for <c>rpc.client.call.duration</c> (when that
/// histogram is listened to) and its client span (when the client source is sampled). Taken only on the observed path
/// (<see cref="IsObserved"/>); a call that completes asynchronously is awaited by a pooled wrapper
/// (<see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>), so timing alone allocates nothing in steady state.
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

    /// <summary>Whether a call on this connection is timed or traced (one field read, one listener check).</summary>
    public static bool IsObserved(ConnectionMetrics metrics) => metrics.TimesClientCalls || TetherTracing.Client.HasListeners();

    /// <summary>Whether someone listens to the client spans.</summary>
    public static bool IsTraced => TetherTracing.Client.HasListeners();

    /// <summary>Starts timing (unless <paramref name="timed"/> is false) and, when sampled, the call's span (a child of the caller's current activity).</summary>
    public static ClientCallScope Start(ConnectionMetrics metrics, string method, bool timed = true)
    {
        Activity? callers = Activity.Current;
        Activity? activity = TetherTracing.Client.StartActivity(method, ActivityKind.Client);
        if (activity is not null)
        {
            metrics.Describe(activity, method);
        }

        return new ClientCallScope(metrics, method, timed && metrics.TimesClientCalls ? Stopwatch.GetTimestamp() : 0, activity, callers);
    }

    /// <summary>The options the call goes out with: with the span as its trace context when there is one.</summary>
    public CallOptions Attach(in CallOptions options) => _activity is null ? options : options with { Trace = _activity };

    /// <summary>The request was handed over: the caller's own activity is current again (the span lives on until the answer).</summary>
    public void Leave()
    {
        if (_activity is not null)
        {
            Activity.Current = _callersActivity;
        }
    }

    /// <summary>The call was refused before it left (deadline passed, table full, link closed): still timed and its span ended.</summary>
    public void Fail(Exception error)
    {
        Leave();
        Complete(error);
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

    public ValueTask<T> Observe<T>(ValueTask<T> call)
    {
        Leave();
        if (call.IsCompletedSuccessfully)
        {
            Complete(null);
            return call;
        }

        return AwaitAndComplete(call, this);
    }

    public ValueTask Observe(ValueTask call)
    {
        Leave();
        if (call.IsCompletedSuccessfully)
        {
            Complete(null);
            return call;
        }

        return AwaitAndComplete(call, this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> AwaitAndComplete<T>(ValueTask<T> call, ClientCallScope scope)
    {
        try
        {
            T result = await call.ConfigureAwait(false);
            scope.Complete(null);
            return result;
        }
        catch (Exception e)
        {
            scope.Complete(e);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAndComplete(ValueTask call, ClientCallScope scope)
    {
        try
        {
            await call.ConfigureAwait(false);
            scope.Complete(null);
        }
        catch (Exception e)
        {
            scope.Complete(e);
            throw;
        }
    }
}
