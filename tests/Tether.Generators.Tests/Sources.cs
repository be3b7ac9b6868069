namespace Tether.Generators.Tests;

/// <summary>Test inputs shared by the baseline, execution and incrementality tests.</summary>
internal static class Sources
{
    public const string Valid = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Tether;

        namespace Shop;

        public enum Side { Buy, Sell }

        [Message(1)]
        public sealed partial record Order(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks);

        [Message(2)]
        public partial record struct Tick(int Sequence, Side Side, decimal? Limit, Guid Id);

        [Message(3)]
        public sealed partial class Basket
        {
            public List<Order>? Orders { get; init; }
            public Dictionary<string, int[]>? Counts { get; set; }
            public Tick Last { get; set; }
            public int @event;
        }

        [Handler(ServiceName = "Shop")]
        public sealed partial class ShopHandler
        {
            public ValueTask<Tick> Place(Order order, CancellationToken cancellationToken) => new(new Tick((int)order.Id, Side.Buy, null, Guid.Empty));
            public void Drop(Tick tick, CallContext context) { }
            public async IAsyncEnumerable<Order> List(Basket basket)
            {
                await Task.Yield();
                foreach (Order order in basket.Orders ?? []) yield return order;
            }
            public async ValueTask<Tick> Total(IAsyncEnumerable<Order> orders, CancellationToken cancellationToken)
            {
                int count = 0;
                await foreach (Order order in orders.WithCancellation(cancellationToken)) count++;
                return new Tick(count, Side.Buy, null, Guid.Empty);
            }
            public async IAsyncEnumerable<Order> Mirror(IAsyncEnumerable<Order> orders)
            {
                await foreach (Order order in orders) yield return order;
            }
        }

        // A service contract of every kind, three methods taking the same message.
        [Service(Name = "Desk")]
        public partial interface IDesk
        {
            ValueTask<Tick> Quote(Order order, CancellationToken cancellationToken);
            IAsyncEnumerable<Tick> Watch(Order order, CancellationToken cancellationToken);
            [OneWay] ValueTask Audit(Order order);
            void Drop(Tick tick);
            [Method(Id = 40)] Task Clear(Basket basket);
            Task<Tick> Upload(IAsyncEnumerable<Order> orders, CallContext context);
            IAsyncEnumerable<Tick> Trade(IAsyncEnumerable<Order> orders, CancellationToken cancellationToken);
        }

        [Handler]
        public sealed partial class DeskHandler : IDesk
        {
            public ValueTask<Tick> Quote(Order order, CancellationToken cancellationToken) => new(new Tick(1, Side.Sell, null, Guid.Empty));
            public async IAsyncEnumerable<Tick> Watch(Order order, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await Task.Yield();
                yield return new Tick(2, Side.Buy, null, Guid.Empty);
            }
            public ValueTask Audit(Order order) => default;
            void IDesk.Drop(Tick tick) { }
            public Task Clear(Basket basket) => Task.CompletedTask;
            public Task<Tick> Upload(IAsyncEnumerable<Order> orders, CallContext context) => Task.FromResult(new Tick(3, Side.Buy, null, Guid.Empty));
            public async IAsyncEnumerable<Tick> Trade(IAsyncEnumerable<Order> orders, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (Order order in orders.WithCancellation(cancellationToken)) yield return new Tick((int)order.Id, Side.Sell, null, Guid.Empty);
            }
        }

        public static class Probe
        {
            // Called by the execution test through reflection: a round trip through the generated codecs.
            public static string Run()
            {
                var basket = new Basket
                {
                    Orders = [new Order(1, 2, 3.5, "ABC", true, 42)],
                    Counts = new() { ["x"] = [1, 2, 3] },
                    Last = new Tick(9, Side.Sell, 1.25m, Guid.Empty),
                    @event = 7,
                };
                byte[] bytes = TetherCodec.ToArray(basket);
                Basket copy = TetherCodec.Decode<Basket>(bytes.AsSpan());
                return $"{copy.Orders![0]}|{string.Join(",", copy.Counts!["x"])}|{copy.Last}|{copy.@event}|{bytes.Length}";
            }
        }
        """;
}
