namespace Tether.Samples.Durable;

/// <summary>Applies each tick once (through the inbox) and echoes it; the echo is held until the handler completes, so it is sent once.</summary>
[Handler(ServiceName = "Ledger")]
public sealed partial class LedgerHandler(Inbox inbox, Reservations reservations)
{
    /// <summary>A tick: applied once, echoed once, whatever crashes come between.</summary>
    public async ValueTask Take(Tick tick, CallContext context)
    {
        inbox.Apply(context.Delivery ?? throw new InvalidOperationException("The server keeps no durable sessions."), tick.N);
        await context.Peer.SendAsync(new Tock(tick.N));
    }

    /// <summary>A call answered exactly once, also when the server dies while it is pending.</summary>
    public ValueTask<Doubled> Double(DoubleRequest request) => new(new Doubled(request.N * 2));

    /// <summary>
    /// A reservation, marked idempotent: clients retry it, and the server answers a repeat of a key it has seen from the
    /// kept result (kept in the durable store, so also after a kill), so the effect happens once per key.
    /// </summary>
    [Method(Idempotent = true)]
    public ValueTask<Reservation> Reserve(ReserveRequest request) =>
        new(new Reservation(request.Order, request.Amount, reservations.Run(request.Order, request.Amount)));

    /// <summary>
    /// A bidirectional stream: each tick echoed back as it arrives. A server that dies while it runs does not run it
    /// again (nobody kept the items it had read): the caller gets <see cref="TetherErrorCode.NotDelivered"/> after the
    /// echoes it had, each once.
    /// </summary>
    public async IAsyncEnumerable<Tock> Mirror(IAsyncEnumerable<Tick> ticks, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (Tick tick in ticks.WithCancellation(cancellationToken))
        {
            yield return new Tock(tick.N);
        }
    }
}

/// <summary>The client's side: receives the echoes.</summary>
[Handler(ServiceName = "LedgerEchoes")]
public sealed partial class EchoHandler(Action<long> received)
{
    /// <summary>An echo arrived.</summary>
    public void Take(Tock tock) => received(tock.N);
}
