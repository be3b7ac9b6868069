using System.Collections.Concurrent;

namespace Tether.Conformance.Tests.Sessions;

[Message(50)]
public partial record struct Echoed(long Value);

/// <summary>
/// What a durable handler's effects would be in an application's own database: each applied once per delivery id (the
/// inbox a handler keeps beside its effects), so a message a restarted server runs again changes nothing twice.
/// </summary>
public sealed class DurableEffects
{
    private readonly ConcurrentDictionary<DeliveryId, long> _applied = new();
    private readonly List<long> _order = [];

    public int Repeats => Volatile.Read(ref _repeats);

    /// <summary>Holds the stream of <see cref="DurableEchoHandler.Count"/> after its third item.</summary>
    public TaskCompletionSource StreamGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when <see cref="DurableEchoHandler.Total"/> or <see cref="DurableEchoHandler.Echo"/> has read its third input item.</summary>
    public TaskCompletionSource ThirdInputRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _repeats;

    /// <summary>Values in the order they were first applied.</summary>
    public long[] Applied
    {
        get
        {
            lock (_order)
            {
                return [.. _order];
            }
        }
    }

    public void Apply(DeliveryId delivery, long value)
    {
        lock (_order)
        {
            if (_applied.TryAdd(delivery, value))
            {
                _order.Add(value);
            }
            else
            {
                _repeats++; // a handler run again (its completion was not logged before the crash): skipped by the inbox
            }
        }
    }
}

[Handler(ServiceName = "DurableEcho")]
public sealed partial class DurableEchoHandler(DurableEffects effects)
{
    /// <summary>Applies the message once and echoes it to the caller (the echo is held until the handler completes).</summary>
    public async ValueTask Take(Numbered message, CallContext context)
    {
        effects.Apply(context.Delivery ?? throw new InvalidOperationException("Not a durable session."), message.Value);
        await context.Peer.SendAsync(new Echoed(message.Value));
    }

    public ValueTask<NumberedReply> Call(NumberedCall call) => new(new NumberedReply(call.Value * 2));

    /// <summary>A stream of <c>call.Value</c> items; after the third it waits for <see cref="DurableEffects.StreamGate"/>.</summary>
    public async IAsyncEnumerable<Echoed> Count(NumberedCall call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (long i = 0; i < call.Value; i++)
        {
            if (i == 3)
            {
                await effects.StreamGate.Task.WaitAsync(cancellationToken);
            }

            yield return new Echoed(i);
        }
    }

    /// <summary>Client streaming: the sum of its items.</summary>
    public async ValueTask<NumberedReply> Total(IAsyncEnumerable<Echoed> items, CancellationToken cancellationToken)
    {
        long sum = 0;
        int read = 0;
        await foreach (Echoed item in items.WithCancellation(cancellationToken))
        {
            sum += item.Value;
            if (++read == 3)
            {
                effects.ThirdInputRead.TrySetResult();
            }
        }

        return new NumberedReply(sum);
    }

    /// <summary>Bidirectional: echoes each item.</summary>
    public async IAsyncEnumerable<Echoed> Echo(IAsyncEnumerable<Echoed> items, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int read = 0;
        await foreach (Echoed item in items.WithCancellation(cancellationToken))
        {
            if (++read == 3)
            {
                effects.ThirdInputRead.TrySetResult();
            }

            yield return item;
        }
    }
}

[Handler(ServiceName = "DurableEchoes")]
public sealed partial class EchoRecorder(SequenceRecorder recorder)
{
    public void Take(Echoed message) => recorder.Record(message.Value);
}
