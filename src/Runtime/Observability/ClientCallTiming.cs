using System.Runtime.CompilerServices;

namespace Tether.Observability;

/// <summary>
/// Times an outgoing call for <c>rpc.client.call.duration</c>: recorded at once when the call completed synchronously,
/// else by a pooled async wrapper (<see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>), so a timed call allocates
/// nothing in steady state. Used only while someone listens.
/// </summary>
internal static class ClientCallTiming
{
    public static ValueTask<T> Measure<T>(ValueTask<T> call, ConnectionMetrics metrics, string method, long startedAt)
    {
        if (call.IsCompletedSuccessfully)
        {
            metrics.RecordClientCall(method, startedAt, null);
            return call;
        }

        return AwaitAndRecord(call, metrics, method, startedAt);
    }

    public static ValueTask Measure(ValueTask call, ConnectionMetrics metrics, string method, long startedAt)
    {
        if (call.IsCompletedSuccessfully)
        {
            metrics.RecordClientCall(method, startedAt, null);
            return call;
        }

        return AwaitAndRecord(call, metrics, method, startedAt);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> AwaitAndRecord<T>(ValueTask<T> call, ConnectionMetrics metrics, string method, long startedAt)
    {
        try
        {
            T result = await call.ConfigureAwait(false);
            metrics.RecordClientCall(method, startedAt, null);
            return result;
        }
        catch (Exception e)
        {
            metrics.RecordClientCall(method, startedAt, e);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAndRecord(ValueTask call, ConnectionMetrics metrics, string method, long startedAt)
    {
        try
        {
            await call.ConfigureAwait(false);
            metrics.RecordClientCall(method, startedAt, null);
        }
        catch (Exception e)
        {
            metrics.RecordClientCall(method, startedAt, e);
            throw;
        }
    }
}
