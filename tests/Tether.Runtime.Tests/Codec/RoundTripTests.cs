using System.Buffers;
using CsCheck;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Codec;

/// <summary>
/// Property tests: every supported member type survives encode → decode, with the encoded bytes
/// split at every possible segment boundary, and the span, buffer-writer and size paths agree.
/// </summary>
public sealed class RoundTripTests
{
    private const int Iterations = 150;

    [Fact]
    public void Order_round_trips_across_every_segment_split() => Check<Order>(Generators.Orders);

    [Fact]
    public void Every_bounded_primitive_round_trips_across_every_segment_split() => Check<Primitives>(Generators.PrimitiveValues);

    [Fact]
    public void Runs_stored_through_a_local_cursor_round_trip_across_every_segment_split() => Check<RunPrimitives>(Generators.RunPrimitiveValues);

    [Fact]
    public void Runs_read_through_a_local_cursor_round_trip_in_a_batch()
    {
        Check<RunBatch>(Generators.RunBatches, iterations: 40);

        // Ten-byte varints and every other maximum, read through the cursor in all but the last element.
        var extreme = new RunPrimitives(
            true, byte.MaxValue, sbyte.MinValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue,
            nint.MinValue, nuint.MaxValue, char.MaxValue, float.MaxValue, double.MinValue, Half.MaxValue, DateTime.MaxValue, TimeSpan.MinValue,
            Side.Sell, (Flags)0xFF, (Wide)long.MinValue, int.MinValue, (Side)int.MinValue, null, null, ulong.MaxValue);
        var order = new Order(long.MinValue, int.MaxValue, double.Epsilon, "", true, long.MaxValue);
        RoundTrip(new RunBatch([extreme, extreme with { MaybeLong = long.MaxValue, Text = "t" }, extreme], [order, order, order]));
    }

    [Fact]
    public void Runs_never_store_past_what_they_reserve()
    {
        // Exactly sized spans with guard bytes after them: a varint stored as a word past the run's reservation is caught.
        Generators.RunPrimitiveValues.Sample(static value => Guarded(value), iter: Iterations, threads: 1);
        var extreme = new RunPrimitives(
            true, byte.MaxValue, sbyte.MinValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue,
            nint.MinValue, nuint.MaxValue, char.MaxValue, float.MaxValue, double.MinValue, Half.MaxValue, DateTime.MaxValue, TimeSpan.MinValue,
            Side.Sell, (Flags)0xFF, (Wide)long.MinValue, int.MinValue, (Side)int.MinValue, "x", long.MinValue, ulong.MaxValue);
        Guarded(extreme);
        foreach (int b in new[] { 0, 127, 128, 300, int.MaxValue, int.MinValue })
        {
            Guarded(new TailVarint(1.5, b));
        }
    }

    [Fact]
    public void Nullables_strings_and_bytes_round_trip_across_every_segment_split() => Check<Scalars>(Generators.ScalarValues);

    [Fact]
    public void Collections_dictionaries_and_nested_messages_round_trip_across_every_segment_split() =>
        Check<Collections>(Generators.CollectionValues, iterations: 60);

    [Fact]
    public void Fields_and_containing_types_are_supported()
    {
        RoundTrip(new FieldMessage { Count = 42, Label = "field" });
        RoundTrip(new Container.Inner(-7));
    }

    [Fact]
    public void Extreme_values_round_trip()
    {
        RoundTrip(new Primitives(
            true, byte.MaxValue, sbyte.MinValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue,
            nint.MinValue, nuint.MaxValue, char.MaxValue, float.NaN, double.NegativeInfinity, Half.MaxValue, decimal.MinValue, Int128.MinValue, UInt128.MaxValue,
            Guid.NewGuid(), DateTime.MaxValue, DateTimeOffset.MinValue, TimeSpan.MinValue, Side.Sell, Flags.A | Flags.B, Wide.Large));
        RoundTrip(new Scalars { Text = string.Empty, Bytes = [], Memory = ReadOnlyMemory<byte>.Empty });
        RoundTrip(new Scalars { Text = new string('é', 5000), Bytes = new byte[70_000] });
        RoundTrip(new Collections([], [], [], [], [], [], [], new Scalars(), [], [], []));
        RoundTrip(new Collections(null, null, null, null, null, null, null, null, null, null, null));
    }

    [Fact]
    public void Large_nested_messages_widen_their_length_prefix_on_every_writer()
    {
        // Bodies of 127, 128, 16383, 16384 and ~70000 bytes cross each varint length boundary.
        foreach (int textLength in new[] { 120, 121, 122, 16_375, 16_376, 16_377, 70_000 })
        {
            var nested = new Scalars { Text = new string('x', textLength) };
            RoundTrip(new Collections(null, null, null, null, null, null, null, nested, null, null, null));
            RoundTrip(new BasketV2(null, [new ItemV2(1, new string('y', textLength), 2, ["t"], new ItemV1(3, "z"), 4)], 5));
        }
    }

    [Fact]
    public void Runs_of_messages_keep_null_and_wide_elements_in_place_at_the_top_and_nested()
    {
        // Each element of a collection of messages is a nested message: nulls as a zero length, a body over 127 bytes with
        // a widened length slot, and the same bytes when the collection sits inside a message still pending.
        var wide = new Order(1, 2, 3, new string('w', 300), true, 4);
        Order[] orders = [null!, wide, new Order(5, 6, 7, "s", false, 8), null!];
        var collections = new Collections(null, null, null, null, null, orders, [new Primitives(), default], null, null, null, null);
        RoundTrip(collections);
        RoundTrip(new Crate(collections, [wide, null!, wide]));
        RoundTrip(new Crate(null, [.. Enumerable.Range(0, 50).Select(static i => new Order(i, i, i, new string('q', i * 7), i % 2 == 0, i))]));
    }

    [Fact]
    public void Standard_order_encodes_in_34_bytes_no_more_than_MessagePack()
    {
        // count 1 + Id 4 + Quantity 2 + Price 8 + Symbol 1+8 + IsBuy 1 + ticks 9 = 34 (MessagePack: 35).
        var order = new Order(123_456_789, 100, 101.25, "MSFT.OQ1", true, new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc).Ticks);
        Assert.Equal(34, TetherCodec.ToArray(order).Length);
    }

    [Fact]
    public void A_sized_encode_into_a_frame_with_room_after_it_refuses_a_size_that_was_too_small()
    {
        // Frames are encoded into send buffers with free space after the payload; a computed size that is too small
        // (the message changed between sizing and encoding) must still fail rather than send a cut body.
        var value = new TailVarint(1.5, 300);
        int size = TetherCodec.GetEncodedSize(value);
        byte[] room = new byte[size + 32];
        var error = Assert.Throws<TetherException>(() => TetherCodec.EncodeSized(room, size - 1, value));
        Assert.Equal(TetherErrorCode.EncodeBufferTooSmall, error.Code);
        TetherCodec.EncodeSized(room, size, value);
        Assert.Equal(TetherCodec.ToArray(value), room.AsSpan(0, size).ToArray());
    }

    private static void Guarded<T>(T value)
        where T : IMessage<T>
    {
        var guarded = new GuardedBufferWriter();
        TetherCodec.Encode(guarded, value);
        byte[] bytes = guarded.ToArray();
        Assert.Equal(TetherCodec.ToArray(value), bytes);
        DeepEqual.AssertEqual(value, TetherCodec.Decode<T>(bytes.AsSpan()));
    }

    private static void Check<T>(Gen<T> gen, int iterations = Iterations)
        where T : IMessage<T> => gen.Sample(RoundTrip, iter: iterations, threads: 1);

    private static void RoundTrip<T>(T value)
        where T : IMessage<T>
    {
        // The exact size, the span path and the buffer-writer path must agree byte for byte.
        int size = TetherCodec.GetEncodedSize(value);
        byte[] bytes = TetherCodec.ToArray(value);
        Assert.Equal(size, bytes.Length);
        var output = new ArrayBufferWriter<byte>(1);
        Assert.Equal(size, TetherCodec.Encode(output, value));
        Assert.Equal(bytes, output.WrittenSpan.ToArray());
        foreach (int chunk in new[] { 1, 7, 64 })
        {
            var chunked = new ChunkedBufferWriter(chunk);
            Assert.Equal(size, TetherCodec.Encode(chunked, value));
            Assert.Equal(bytes, chunked.ToArray());
        }

        foreach (int spare in new[] { 0, 1, 7, 16 })
        {
            // A frame's payload with the send buffer's free space after it (scratch): the same bytes, in place.
            byte[] room = new byte[size + spare];
            room.AsSpan().Fill(0xCC);
            TetherCodec.EncodeSized(room, size, value);
            Assert.Equal(bytes, room.AsSpan(0, size).ToArray());
        }

        DeepEqual.AssertEqual(value, TetherCodec.Decode<T>(bytes.AsSpan()));
        IEnumerable<ReadOnlySequence<byte>> splits = bytes.Length <= 4096 ? Sequences.AllSplits(bytes) : Sequences.SampledSplits(bytes);
        foreach (ReadOnlySequence<byte> sequence in splits)
        {
            DeepEqual.AssertEqual(value, TetherCodec.Decode<T>(sequence));
        }
    }
}
