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

// A third version whose appended members say what they are when a writer did not know them: constructor parameter
// defaults and an initializer (docs/wire-format.md §4).
[Message(104)]
public sealed partial record ItemV3(long Id, string Name, int Stock = 1, List<string>? Tags = null, ItemV1? Replaces = null, double Weight = 0.5)
{
    public string Unit { get; init; } = "piece";

    public int Shelf { get; set; } = -1;
}

[Message(105)]
public sealed partial record BasketV3(ItemV3? First, List<ItemV3>? Items, int Tail);
