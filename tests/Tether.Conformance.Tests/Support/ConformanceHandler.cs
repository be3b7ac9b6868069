using System.Runtime.CompilerServices;

namespace Tether.Conformance.Tests.Support;

[Handler(ServiceName = "Conformance")]
public sealed partial class ConformanceHandler(Probe probe)
{
    public ValueTask<EchoReply> Echo(EchoRequest request) => new(new EchoReply(request.Id, request.Text));

    public ValueTask<Sample> Reflect(Sample sample) => new(sample with { Quantity = sample.Quantity + 1 });

    /// <summary>Runs until its caller cancels (or times out); reports the cancellation it saw.</summary>
    public async ValueTask<EchoReply> Slow(SlowRequest request, CancellationToken cancellationToken)
    {
        probe.Started.Writer.TryWrite(request.Id);
        try
        {
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled))
            {
                await cancelled.Task;
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException)
        {
            probe.Cancellations.Writer.TryWrite(request.Id);
            throw;
        }

        return new EchoReply(request.Id, "never");
    }

    // "code N" as a typed reason throws that code as it is: what a newer peer with codes of its own would send.
    public ValueTask<EchoReply> Fail(FailRequest request) =>
        request.Typed
            ? throw new TetherException(request.Reason.StartsWith("code ", StringComparison.Ordinal) ? (TetherErrorCode)int.Parse(request.Reason[5..], System.Globalization.CultureInfo.InvariantCulture) : TetherErrorCode.UnexpectedReply, request.Reason)
            : throw new InvalidOperationException(request.Reason);

    public void Note(Notice notice) => probe.Notices.Writer.TryWrite(notice);

    public async IAsyncEnumerable<Tick> Count(CountRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            for (int i = 0; (request.Endless || i < request.Count) && !cancellationToken.IsCancellationRequested; i++)
            {
                yield return new Tick(i);
                await Task.Yield();
            }
        }
        finally
        {
            probe.Log.Enqueue($"count {request.Count} ended{(cancellationToken.IsCancellationRequested ? " (cancelled)" : "")}");
            // Also reached when the cancellation surfaces inside the runtime's backpressure wait.
            if (cancellationToken.IsCancellationRequested)
            {
                probe.Cancellations.Writer.TryWrite(-1);
            }
        }
    }

    /// <summary>Holds the call until the test opens the gate.</summary>
    public async ValueTask Block(BlockRequest request, CallContext context)
    {
        probe.Started.Writer.TryWrite(request.Id);
        await probe.Gate.Task.WaitAsync(context.CancellationToken);
    }

    public ValueTask<Payload> Mirror(Payload payload) => new(payload);

    public Payload Grow(Inflate request) => new(new byte[request.Size]);
}

/// <summary>Runs on the client: receives the server's pushes.</summary>
[Handler(ServiceName = "ConformancePushes")]
public sealed partial class PushHandler(Probe probe)
{
    public void OnNotice(Notice notice) => probe.Notices.Writer.TryWrite(notice);
}
