using Tether.Connections;
using Tether.Runtime.Tests.Dispatch;

namespace Tether.Runtime.Tests.Connections;

/// <summary>
/// How a registry binds handlers to a peer: an instance registered for every peer is bound once and shared, so an idle
/// session holds no binding of its own; a factory's handler is made and bound per peer.
/// </summary>
public sealed class HandlerRegistryTests
{
    [Fact]
    public void When_every_handler_is_one_shared_instance_every_peer_gets_the_same_bindings()
    {
        var registry = new HandlerRegistry();
        int made = 0;
        registry.AddShared(() =>
        {
            made++;
            return new ProbeHandler();
        });
        registry.AddShared(() => new QuotesHandler());
        registry.Freeze();

        HandlerBinding[] first = registry.Bind(null!);
        HandlerBinding[] second = registry.Bind(null!);

        Assert.Equal(2, first.Length);
        Assert.Same(first, second);
        Assert.Equal(1, made); // made when the first peer bound, once
    }

    [Fact]
    public void A_factory_makes_a_handler_per_peer_beside_the_shared_ones()
    {
        var registry = new HandlerRegistry();
        var handlers = new List<QuotesHandler>();
        registry.AddShared(() => new ProbeHandler());
        registry.Add(_ =>
        {
            var handler = new QuotesHandler();
            handlers.Add(handler);
            return handler;
        });
        registry.Freeze();

        HandlerBinding[] first = registry.Bind(null!);
        HandlerBinding[] second = registry.Bind(null!);

        Assert.NotSame(first, second);
        Assert.Same(first[0], second[0]);
        Assert.NotSame(first[1], second[1]);
        Assert.Equal(2, handlers.Count);
    }

    [Fact]
    public void A_shared_registration_is_checked_like_any_other()
    {
        var registry = new HandlerRegistry();
        registry.AddShared(() => new ProbeHandler());
        Assert.Throws<InvalidOperationException>(() => registry.AddShared(() => new ProbeHandler())); // the same method ids twice
        registry.Freeze();
        Assert.Throws<InvalidOperationException>(() => registry.AddShared(() => new QuotesHandler()));
    }
}
