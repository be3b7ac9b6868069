using System.Runtime.CompilerServices;

namespace Tether.Conformance.Tests.Support;

/// <summary>Handlers that report what their calls carried: metadata, deadline, method, and trailing metadata back.</summary>
[Handler(ServiceName = "CallHeaders")]
public sealed partial class CallHeadersHandler(Probe probe)
{
    /// <summary>Echoes the call's metadata and deadline; answers with trailing metadata naming the method.</summary>
    public ValueTask<HeaderEcho> Inspect(HeaderProbe request, CallContext context)
    {
        context.ResponseTrailers.Add("handled-by", context.Method?.Name ?? "?");
        context.ResponseTrailers.Add("raw", new byte[] { 1, 2, 3 });
        return new(new HeaderEcho(request.Id, Describe(context.RequestMetadata), BudgetLeft(context)));
    }

    /// <summary>Waits until its token fires; reports whether it had a deadline.</summary>
    public async ValueTask<HeaderEcho> Expire(DeadlineProbe request, CallContext context)
    {
        probe.Started.Writer.TryWrite(request.Id);
        try
        {
            await new TaskCompletionSource().Task.WaitAsync(context.CancellationToken); // never completes: only the token ends it
        }
        catch (OperationCanceledException)
        {
            probe.Log.Enqueue($"expire {request.Id}: deadline {(context.Deadline is null ? "none" : "set")}");
            probe.Cancellations.Writer.TryWrite(request.Id);
            throw;
        }

        return new HeaderEcho(request.Id, "never", -1);
    }

    /// <summary>Fails after adding trailing metadata: the caller gets both.</summary>
    public ValueTask<HeaderEcho> Refuse(RelayRequest request, CallContext context)
    {
        context.ResponseTrailers.Add("reason", "refused on purpose");
        throw new TetherException(TetherErrorCode.UnexpectedReply, $"refused {request.Id}");
    }

    /// <summary>A stream whose end carries trailing metadata.</summary>
    public async IAsyncEnumerable<Tick> Ticks(HeaderProbe request, CallContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < request.Id; i++)
        {
            yield return new Tick(i);
            await Task.Yield();
        }

        context.ResponseTrailers.Add("count", request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Calls the downstream server for its caller, propagating deadline and cancellation.</summary>
    public async ValueTask<HeaderEcho> Relay(DownstreamRequest request, CallContext context)
    {
        var downstream = new Client(probe.Downstream ?? throw new InvalidOperationException("No downstream server."));
        var options = new CallOptions { PropagateFrom = context, Metadata = new CallMetadata { { "hop", "2" } } };
        return request.ToExpire
            ? await downstream.Expire(new DeadlineProbe(request.Id), options)
            : await downstream.Inspect(new HeaderProbe(request.Id), options);
    }

    private static string Describe(CallMetadata metadata) =>
        string.Join(";", metadata.Select(static e => e.IsBinary ? $"{e.Key}=0x{Convert.ToHexString(e.Bytes.Span)}" : $"{e.Key}={e.Text}"));

    private static long BudgetLeft(CallContext context) =>
        context.Deadline is { } deadline ? (long)(deadline - DateTimeOffset.UtcNow).TotalMilliseconds : -1;
}
