namespace Tether.Runtime.Tests.Messages;

// Two versions of the same schema. Ids differ only because ids are unique per assembly; the codec
// body does not carry the id.

[Message(100)]
public sealed partial record ItemV1(long Id, string Name);

[Message(101)]
public sealed partial record ItemV2(long Id, string Name, int Stock, List<string>? Tags, ItemV1? Replaces, double Weight);

[Message(102)]
public sealed partial record BasketV1(ItemV1? First, List<ItemV1>? Items, int Tail);

[Message(103)]
public sealed partial record BasketV2(ItemV2? First, List<ItemV2>? Items, int Tail);
