namespace Tether.Benchmarks.Network;

/// <summary>The standard Order (34 bytes in Tether's encoding).</summary>
[Message(1)]
public sealed partial record Order(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks)
{
    public static Order Sample { get; } = new(123_456_789, 100, 101.25, "MSFT.OQ1", true, 639_001_152_000_000_000);
}

/// <summary>The same members as <see cref="Order"/>, sent one-way (a message id dispatches to exactly one method).</summary>
[Message(4)]
public sealed partial record OrderPlaced(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks)
{
    public static OrderPlaced Sample { get; } = new(123_456_789, 100, 101.25, "MSFT.OQ1", true, 639_001_152_000_000_000);
}

/// <summary>Asks how many one-way orders the server has seen (a barrier behind them).</summary>
[Message(2)]
public sealed partial record CountRequest(int Unused);

[Message(3)]
public sealed partial record CountReply(long Received);

[Handler(ServiceName = "Echo")]
public sealed partial class EchoHandler
{
    private long _received;

    public Order Echo(Order order) => order;

    public void Publish(OrderPlaced order) => _received++;

    /// <summary>Bidirectional: each order echoed as it arrives (<c>--bidi</c>).</summary>
    public async IAsyncEnumerable<Order> Chat(IAsyncEnumerable<Order> orders)
    {
        await foreach (Order order in orders)
        {
            yield return order;
        }
    }

    // One-way messages of one connection are dispatched in order on its receive loop, so this runs after them.
    public CountReply Count(CountRequest request) => new(_received);
}

/// <summary>
/// <see cref="EchoHandler"/> under security (<c>--security</c>): every method needs an authenticated caller and takes a
/// permit from a per-principal policy and the per-session global limit (both far above any rate reached, so what is
/// measured is their cost, not their refusals).
/// </summary>
[Handler(ServiceName = "SecuredEcho")]
[Microsoft.AspNetCore.Authorization.Authorize]
[Tether.Security.RateLimit("calls")]
public sealed partial class SecuredEchoHandler
{
    private long _received;

    public Order Echo(Order order) => order;

    public void Publish(OrderPlaced order) => _received++;

    /// <summary>Bidirectional: each order echoed as it arrives (<c>--bidi</c>).</summary>
    public async IAsyncEnumerable<Order> Chat(IAsyncEnumerable<Order> orders)
    {
        await foreach (Order order in orders)
        {
            yield return order;
        }
    }

    public CountReply Count(CountRequest request) => new(_received);
}

[Message(5)]
public sealed partial record WaitRequest(int Id);

/// <summary>For <c>--deadlines</c>: never answers; records how long after the call's arrival its token fired.</summary>
[Handler(ServiceName = "Waits")]
public sealed partial class WaitHandler
{
    public System.Collections.Concurrent.ConcurrentQueue<double> FiredAfterMs { get; } = new();

    public async ValueTask<CountReply> Wait(WaitRequest request, CallContext context)
    {
        long arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        }
        finally
        {
            FiredAfterMs.Enqueue(System.Diagnostics.Stopwatch.GetElapsedTime(arrived).TotalMilliseconds);
        }

        return new CountReply(request.Id);
    }
}
