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

/// <summary>The client's push handler for the echo stream: each echoed message frees a slot of the window.</summary>
[Handler]
public sealed partial class WireEchoes
{
    private SemaphoreSlim? _window;

    /// <summary>The window the next run's echoes release into (null: none).</summary>
    public void Use(SemaphoreSlim? window) => Volatile.Write(ref _window, window);

    public void Echoed(OrderPlaced order) => Volatile.Read(ref _window)?.Release();
}
