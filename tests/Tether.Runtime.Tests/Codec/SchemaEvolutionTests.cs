using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Codec;

/// <summary>Appending members is compatible both ways (docs/wire-format.md, "Schema evolution").</summary>
public sealed class SchemaEvolutionTests
{
    private static readonly ItemV2 s_newItem = new(7, "widget", 12, ["a", "b"], new ItemV1(3, "old widget"), 1.5);

    [Fact]
    public void Old_writer_to_new_reader_defaults_the_appended_members()
    {
        byte[] bytes = TetherCodec.ToArray(new ItemV1(7, "widget"));

        foreach (var sequence in Sequences.AllSplits(bytes))
        {
            ItemV2 decoded = TetherCodec.Decode<ItemV2>(sequence);
            Assert.Equal(new ItemV2(7, "widget", 0, null, null, 0), decoded);
        }
    }

    [Fact]
    public void Appended_members_a_writer_did_not_know_take_their_constructor_defaults_and_initializers()
    {
        foreach (var sequence in Sequences.AllSplits(TetherCodec.ToArray(new ItemV1(7, "widget"))))
        {
            ItemV3 decoded = TetherCodec.Decode<ItemV3>(sequence);
            Assert.Equal(new ItemV3(7, "widget"), decoded);
            Assert.Equal((1, 0.5, "piece", -1), (decoded.Stock, decoded.Weight, decoded.Unit, decoded.Shelf));
        }

        // A writer that knew the parameters but not the initialized properties; and one that knew every member, whose
        // values (zeros and empty text included) win over the defaults.
        foreach (var sequence in Sequences.AllSplits(TetherCodec.ToArray(s_newItem)))
        {
            ItemV3 decoded = TetherCodec.Decode<ItemV3>(sequence);
            Assert.Equal((12, 1.5, "piece", -1), (decoded.Stock, decoded.Weight, decoded.Unit, decoded.Shelf));
        }

        var full = new ItemV3(7, "widget", 0, null, null, 0) { Unit = "", Shelf = 0 };
        Assert.Equal(full, TetherCodec.Decode<ItemV3>(TetherCodec.ToArray(full).AsSpan()));
    }

    [Fact]
    public void Nested_and_listed_messages_of_an_older_writer_take_the_defaults_too()
    {
        var basket = new BasketV1(new ItemV1(1, "x"), [new ItemV1(2, "y"), new ItemV1(3, "z")], Tail: 4);
        byte[] bytes = TetherCodec.ToArray(basket);

        foreach (var sequence in Sequences.AllSplits(bytes))
        {
            BasketV3 decoded = TetherCodec.Decode<BasketV3>(sequence);
            Assert.Equal(new ItemV3(1, "x"), decoded.First);
            Assert.Equal([new ItemV3(2, "y"), new ItemV3(3, "z")], decoded.Items);
            Assert.All(decoded.Items!, static item => Assert.Equal(("piece", -1, 1), (item.Unit, item.Shelf, item.Stock)));
            Assert.Equal(4, decoded.Tail);
        }
    }

    [Fact]
    public void New_writer_to_old_reader_skips_the_appended_members()
    {
        byte[] bytes = TetherCodec.ToArray(s_newItem);

        foreach (var sequence in Sequences.AllSplits(bytes))
        {
            Assert.Equal(new ItemV1(7, "widget"), TetherCodec.Decode<ItemV1>(sequence));
        }
    }

    [Fact]
    public void New_nested_messages_are_skipped_by_old_readers_and_what_follows_is_read()
    {
        var basket = new BasketV2(s_newItem, [s_newItem, new ItemV2(8, "gadget", 1, null, null, 2)], Tail: 99);
        byte[] bytes = TetherCodec.ToArray(basket);

        foreach (var sequence in Sequences.AllSplits(bytes))
        {
            BasketV1 old = TetherCodec.Decode<BasketV1>(sequence);
            Assert.Equal(new ItemV1(7, "widget"), old.First);
            Assert.Equal([new ItemV1(7, "widget"), new ItemV1(8, "gadget")], old.Items);
            Assert.Equal(99, old.Tail);
        }
    }

    [Fact]
    public void Old_nested_messages_are_defaulted_by_new_readers_and_what_follows_is_read()
    {
        var basket = new BasketV1(new ItemV1(1, "x"), [new ItemV1(2, "y")], Tail: -5);
        BasketV2 decoded = TetherCodec.Decode<BasketV2>(TetherCodec.ToArray(basket).AsSpan());

        Assert.Equal(new ItemV2(1, "x", 0, null, null, 0), decoded.First);
        Assert.Equal(new ItemV2(2, "y", 0, null, null, 0), Assert.Single(decoded.Items!));
        Assert.Equal(-5, decoded.Tail);
    }

    [Fact]
    public void A_reader_that_knows_more_members_than_were_written_does_not_read_past_a_nested_message()
    {
        // BasketV1.First holds an ItemV1 (2 members); BasketV2 reads it as ItemV2 (6 members). The
        // member count stops it at the nested boundary, so Items and Tail are read from the right place.
        var basket = new BasketV1(new ItemV1(1, "x"), null, Tail: 1234);
        BasketV2 decoded = TetherCodec.Decode<BasketV2>(TetherCodec.ToArray(basket).AsSpan());
        Assert.Null(decoded.Items);
        Assert.Equal(1234, decoded.Tail);
    }
}
