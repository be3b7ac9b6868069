namespace Tether.Benchmarks.Network.Wire;

/// <summary>
/// The contract of <c>--wire</c>, called through its generated client as a user would: a unary echo, and a one-way
/// send the server answers with a push of the same message (the echo stream).
/// </summary>
[Service(Name = "Wire")]
public partial interface IWire
{
    ValueTask<Order> Echo(Order order, CancellationToken cancellationToken);

    [OneWay]
    ValueTask Stream(OrderPlaced order, CancellationToken cancellationToken);
}

/// <summary>One per session, so that <see cref="Stream"/> can push back to the caller's session.</summary>
[Handler]
public sealed partial class WireHandler(TetherSession session) : IWire
{
    public ValueTask<Order> Echo(Order order, CancellationToken cancellationToken) => new(order);

    public ValueTask Stream(OrderPlaced order, CancellationToken cancellationToken) =>
        session.TrySend(order) ? default : session.SendAsync(order, cancellationToken);
}

/// <summary>The batched echo stream's server side: items arrive by type; each is pushed back (the receive loop flushes a read's pushes together).</summary>
[Handler]
public sealed partial class WireBatchHandler(TetherSession session)
{
    public ValueTask Batched(WireItem item) =>
        session.TrySend(item) ? default : session.SendAsync(item);
}

/// <summary>The batched echo stream's message, sent by type: the same members as <see cref="Order"/>.</summary>
[Message(6)]
public sealed partial record WireItem(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks)
{
    public static WireItem Sample { get; } = new(123_456_789, 100, 101.25, "MSFT.OQ1", true, 639_001_152_000_000_000);
}

/// <summary>The client's push handler for the echo stream: each echoed message frees a slot of the window.</summary>
[Handler]
public sealed partial class WireEchoes
{
    private SemaphoreSlim? _window;

    /// <summary>The window the next run's echoes release into (null: none).</summary>
    public void Use(SemaphoreSlim? window) => Volatile.Write(ref _window, window);

    public void Echoed(OrderPlaced order) => Volatile.Read(ref _window)?.Release();

    public void EchoedItem(WireItem item) => Volatile.Read(ref _window)?.Release();
}
