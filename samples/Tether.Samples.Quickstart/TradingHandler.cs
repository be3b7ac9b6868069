using System.Runtime.CompilerServices;
using Tether;

namespace Tether.Samples.Quickstart;

/// <summary>A handler: the generator writes its dispatch table and capability declaration.</summary>
[Handler(ServiceName = "Trading", Version = 2)]
public sealed partial class TradingHandler
{
    public List<string> Audit { get; } = [];

    /// <summary>Unary: one order in, one receipt out.</summary>
    public ValueTask<Receipt> Place(Order order, CancellationToken cancellationToken) =>
        new(order.Quantity > 0
            ? new Receipt(order.Id, true, null)
            : new Receipt(order.Id, false, "quantity must be positive"));

    /// <summary>Server streaming: a few quotes for a symbol.</summary>
    public async IAsyncEnumerable<Quote> Quotes(QuoteRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < request.Count; i++)
        {
            await Task.Yield();
            decimal mid = 100m + i;
            yield return new Quote(request.Symbol, mid - 0.05m, mid + 0.05m, new DateTimeOffset(2026, 11, 24, 9, 30, i, TimeSpan.Zero));
        }
    }

    /// <summary>One-way: nothing is sent back.</summary>
    public void Note(AuditNote note, CallContext context) => Audit.Add(note.Text);
}
