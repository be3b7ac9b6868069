using System.Runtime.CompilerServices;

namespace Tether.Conformance.Tests.Support;

/// <summary>How many items a request stream carried, and the sum of their sequences.</summary>
[Message(100)]
public partial record struct StreamTotal(long Count, long Sum);

/// <summary>Client-streaming and bidirectional methods (decision 0026).</summary>
[Handler(ServiceName = "ConformanceStreams")]
public sealed partial class StreamsHandler(Probe probe)
{
    /// <summary>Client streaming: reads every item.</summary>
    public async ValueTask<StreamTotal> Sum(IAsyncEnumerable<Tick> ticks, CancellationToken cancellationToken)
    {
        long count = 0, sum = 0;
        await foreach (Tick tick in ticks.WithCancellation(cancellationToken))
        {
            count++;
            sum += tick.Sequence;
        }

        return new StreamTotal(count, sum);
    }

    /// <summary>Client streaming that answers after the first item, leaving the rest unread.</summary>
    public async Task<StreamTotal> First(IAsyncEnumerable<Tick> ticks)
    {
        await foreach (Tick tick in ticks)
        {
            return new StreamTotal(1, tick.Sequence);
        }

        return new StreamTotal(0, 0);
    }

    /// <summary>Never reads its input: holds the call until it is cancelled.</summary>
    public async ValueTask<StreamTotal> Stall(IAsyncEnumerable<Tick> ticks, CallContext context)
    {
        probe.Started.Writer.TryWrite(1);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            probe.Cancellations.Writer.TryWrite(-2);
            throw;
        }

        return default;
    }

    /// <summary>Bidirectional: echoes every item as it arrives; a cancelled call is logged.</summary>
    public async IAsyncEnumerable<Tick> Echo(IAsyncEnumerable<Tick> ticks, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool cancelled = true;
        try
        {
            await foreach (Tick tick in ticks.WithCancellation(cancellationToken))
            {
                yield return tick;
            }

            cancelled = false;
        }
        finally
        {
            if (cancelled && cancellationToken.IsCancellationRequested)
            {
                probe.Cancellations.Writer.TryWrite(-3);
            }
        }
    }

    /// <summary>Bidirectional: echoes items up to sequence 3, then fails (error after items).</summary>
    public async IAsyncEnumerable<Tick> EchoThenFail(IAsyncEnumerable<Tick> ticks)
    {
        await foreach (Tick tick in ticks)
        {
            if (tick.Sequence == 3)
            {
                throw new TetherException(TetherErrorCode.InvalidArgument, "three is too many");
            }

            yield return tick;
        }
    }
}
