using Tether;

namespace Tether.Samples.Quickstart;

// Messages: partial records with an id. The generator writes their codecs.

[Message(1)]
public sealed partial record Order(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks);

[Message(2)]
public sealed partial record Receipt(long OrderId, bool Accepted, string? Reason);

[Message(3)]
public sealed partial record QuoteRequest(string Symbol, int Count);

[Message(4)]
public partial record struct Quote(string Symbol, decimal Bid, decimal Ask, DateTimeOffset At);

[Message(5)]
public sealed partial record AuditNote(string Text, Dictionary<string, string>? Tags);

// Version 2 of Order appends two members; old and new peers still understand each other.
[Message(6)]
public sealed partial record OrderV2(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks, string? Venue, List<string>? Notes);
