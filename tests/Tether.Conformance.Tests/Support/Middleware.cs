using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tether.Conformance.Tests.Support;

/// <summary>A server filter that writes "name&gt;" before and "&lt;name" after the rest of the pipeline, with what it saw.</summary>
public sealed class RecordingFilter(string name, ConcurrentQueue<string> log) : ICallFilter
{
    public TimeSpan LastDuration { get; private set; }

    public Exception? LastError { get; private set; }

    /// <summary>Released each time a call left the filter (which can be after its caller saw the answer).</summary>
    public SemaphoreSlim Finished { get; } = new(0);

    public async ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        log.Enqueue($"{name}>{context.Method?.FullName}");
        long started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(context);
        }
        catch (Exception e)
        {
            LastError = e;
            throw;
        }
        finally
        {
            LastDuration = Stopwatch.GetElapsedTime(started);
            log.Enqueue($"<{name}");
            Finished.Release();
        }
    }
}

/// <summary>A filter that rewrites the request metadata (adds "added-by") and adds a trailer after the handler.</summary>
public sealed class RewritingFilter : ICallFilter
{
    public async ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        CallMetadata rewritten = context.RequestMetadata.Copy();
        rewritten.Remove("secret");
        rewritten.Add("added-by", "filter");
        context.RequestMetadata = rewritten;
        await Task.Yield(); // a filter may await before the handler runs: the request must still be there
        await continuation(context);
        context.ResponseTrailers.Add("filtered", "yes");
    }
}

/// <summary>A filter that refuses calls without a "token" entry, before the handler runs.</summary>
public sealed class GateFilter : ICallFilter
{
    public int Refused;

    public ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        if (context.RequestMetadata.GetString("token") != "let-me-in")
        {
            Interlocked.Increment(ref Refused);
            throw new TetherException(TetherErrorCode.RefusedByPolicy, $"{context.Method?.FullName} needs a token.");
        }

        return continuation(context);
    }
}

/// <summary>A client interceptor that logs around the call and adds its name to the request metadata.</summary>
public sealed class RecordingInterceptor(string name, ConcurrentQueue<string> log) : ICallInterceptor
{
    public Exception? LastError { get; private set; }

    public async ValueTask InvokeAsync(OutgoingCall outgoing, OutgoingCallNext continuation)
    {
        log.Enqueue($"{name}>{outgoing.MethodName}:{outgoing.Kind}:{outgoing.Request.GetType().Name}");
        outgoing.Metadata.Add($"via-{name}", name);
        try
        {
            await continuation(outgoing);
        }
        catch (Exception e)
        {
            LastError = e;
            throw;
        }
        finally
        {
            log.Enqueue($"<{name}:{string.Join(",", outgoing.ResponseTrailers.Select(static t => t.Key))}");
        }
    }
}

/// <summary>An interceptor that answers unary calls itself when the metadata asks for it, and refuses others by policy.</summary>
public sealed class ShortCircuitInterceptor : ICallInterceptor
{
    public ValueTask InvokeAsync(OutgoingCall outgoing, OutgoingCallNext continuation)
    {
        string? mode = outgoing.Options.Metadata?.GetString("mode");
        if (mode == "cached" && outgoing.Request is HeaderProbe probe)
        {
            outgoing.Response = new HeaderEcho(probe.Id, "from cache", -1);
            return default;
        }

        return mode == "refuse"
            ? throw new TetherException(TetherErrorCode.RefusedByPolicy, "refused by the client")
            : continuation(outgoing);
    }
}

/// <summary>Holds calls to one method until the test opens its gate (a filter that takes its time before the handler).</summary>
public sealed class HoldingFilter(string method) : ICallFilter
{
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        if (context.Method?.Name == method)
        {
            await Gate.Task.WaitAsync(context.CancellationToken);
        }

        await continuation(context);
    }
}
