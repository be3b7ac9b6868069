using Microsoft.Extensions.Logging;

namespace Tether.Samples.Observability;

[Message(1)]
public sealed partial record Lookup(string Sku);

[Message(2)]
public sealed partial record Price(string Sku, decimal Amount);

/// <summary>A small price service: the calls the demo observes.</summary>
[Service]
public partial interface IPrices
{
    /// <summary>The price of a product; an unknown product fails with a typed error.</summary>
    ValueTask<Price> Get(Lookup lookup);
}

/// <summary>The server's implementation, which logs inside the call (the log scope carries the session and method).</summary>
[Handler]
public sealed partial class PricesHandler(ILogger<PricesHandler> logger) : IPrices
{
    public ValueTask<Price> Get(Lookup lookup)
    {
        LookingUp(logger, lookup.Sku);
        return lookup.Sku == "unknown"
            ? throw new TetherException(TetherErrorCode.UnknownMessage, $"No product {lookup.Sku}.")
            : new(new Price(lookup.Sku, 9.99m));
    }

    [LoggerMessage(1, LogLevel.Information, "looking up {Sku}")]
    private static partial void LookingUp(ILogger logger, string sku);
}
