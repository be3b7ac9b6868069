using System.Buffers;
using CsCheck;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;
using GuardedInput = Tether.Fuzz.GuardedInput;

namespace Tether.Runtime.Tests.Codec;

/// <summary>Bad input yields a <see cref="TetherDecodeException"/> with a code from the error table, and nothing else.</summary>
public sealed class MalformedInputTests
{
    // A Collections value exercising every unbounded shape, so truncation hits every kind of read.
    private static readonly Collections s_rich = new(
        [1, -2, 300], ["a", null, "ü"], [0.5], new() { ["k"] = 1 }, new() { [5] = new Order(1, 2, 3, "S", true, 4) },
        [new Order(9, 8, 7, "T", false, 6)], [default], new Scalars { Text = "nested", Bytes = [1, 2], MaybeInt = 4 },
        [[1], null!], [null, 3], new() { [Guid.NewGuid()] = ["g"] });

    [Fact]
    public void Truncation_at_every_offset_is_a_decode_error()
    {
        byte[] bytes = TetherCodec.ToArray(s_rich);
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes.AsSpan(0, length).ToArray();
            // The prefix ends at an unreadable page: a read past it faults.
            var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Collections>(GuardedInput.Place(prefix)));
            Assert.Contains(error.Code, new[] { TetherErrorCode.DecodeTruncated, TetherErrorCode.DecodeLengthOutOfRange });

            // Same through a multi-segment sequence.
            var split = Sequences.Create(prefix.AsMemory(0, length / 2), prefix.AsMemory(length / 2));
            Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Collections>(split));
        }
    }

    [Theory]
    [InlineData(50UL)]                      // just past the data
    [InlineData(1UL << 31)]                 // 2^31
    [InlineData(ulong.MaxValue)]            // -1 read as unsigned
    [InlineData((ulong)long.MaxValue + 2)]  // "negative" as a signed 64-bit length
    public void A_string_length_past_the_data_is_rejected_without_allocating_it(ulong claimed)
    {
        // ItemV1: member count 2, Id 1, then a Name claiming `claimed - 1` bytes with only 3 present.
        byte[] bytes = [2, 2, .. ReferenceVarInt.Encode(claimed), (byte)'a', (byte)'b', (byte)'c'];
        AssertRejectedWithoutLargeAllocation<ItemV1>(bytes, TetherErrorCode.DecodeLengthOutOfRange);
    }

    [Theory]
    [InlineData(1UL << 31)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1000UL)]
    public void A_collection_count_past_the_data_is_rejected_without_allocating_it(ulong claimed)
    {
        // Collections: member count 1, Numbers claiming `claimed - 1` ints with 2 bytes present.
        byte[] bytes = [1, .. ReferenceVarInt.Encode(claimed), 2, 4];
        AssertRejectedWithoutLargeAllocation<Collections>(bytes, TetherErrorCode.DecodeLengthOutOfRange);
    }

    [Fact]
    public void A_collection_count_is_checked_against_the_element_size()
    {
        // 10 Guids claimed (16 bytes each) with 20 bytes present: rejected before allocating.
        byte[] bytes = [11, .. Enumerable.Repeat((byte)0, 10), .. ReferenceVarInt.Encode(11), .. new byte[20]];
        // Member 10 of Collections is Dictionary<Guid, List<string>>: skip to it with ten null members.
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Collections>(bytes.AsSpan()));
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, error.Code);
    }

    [Fact]
    public void A_nested_length_past_the_data_is_rejected()
    {
        byte[] basket = [3, .. ReferenceVarInt.Encode(1UL << 31), 1, 1];    // BasketV1 whose First claims 2^31 bytes
        byte[] node = [2, 0, .. ReferenceVarInt.Encode(1UL << 31), 1, 0];   // Node { Value = 0, Child claiming 2^31 bytes }
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<BasketV1>(basket.AsSpan())).Code);
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Node>(node.AsSpan())).Code);
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        byte[] bytes = [2, 2, 3, 0xC3, 0x28];  // ItemV1 { Id = 1, Name = <C3 28> }
        Assert.Equal(TetherErrorCode.DecodeInvalidUtf8, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<ItemV1>(bytes.AsSpan())).Code);

        // Also when the string straddles two segments (the pooled copy path).
        var split = Sequences.Create(bytes.AsMemory(0, 4), bytes.AsMemory(4));
        Assert.Equal(TetherErrorCode.DecodeInvalidUtf8, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<ItemV1>(split)).Code);
    }

    [Fact]
    public void The_depth_limit_counts_the_messages_of_a_collection_as_one_level_and_skips_null_elements()
    {
        // Collection elements are read one level deeper as a group (TetherReader.EnterElements); the limit is the same
        // as for a nested message member.
        var order = new Order(1, 2, 3.5, "A", true, 4);
        var strict = new DecodeOptions { MaxDepth = 1 };
        Assert.Equal([order], TetherCodec.Decode<Crate>(TetherCodec.ToArray(new Crate(null, [order])).AsSpan(), strict).Loose);

        byte[] deeper = TetherCodec.ToArray(new Crate(new Collections(null, null, null, null, null, [order], null, null, null, null, null), null));
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Crate>(deeper.AsSpan(), strict));
        Assert.Equal(TetherErrorCode.DecodeDepthExceeded, error.Code);
        Assert.Equal([order], TetherCodec.Decode<Crate>(deeper.AsSpan(), new DecodeOptions { MaxDepth = 2 }).Inner!.Orders!);

        // A null element has no body to go deeper into: accepted at the limit, as a null member is.
        byte[] nulls = TetherCodec.ToArray(new Crate(new Collections(null, null, null, null, null, [null!, null!], null, null, null, null, null), null));
        Assert.Equal([null!, null!], TetherCodec.Decode<Crate>(nulls.AsSpan(), strict).Inner!.Orders!);
    }

    [Fact]
    public void Nesting_deeper_than_the_configured_limit_is_rejected()
    {
        Node chain = Chain(70);
        byte[] bytes = TetherCodec.ToArray(chain);

        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Node>(bytes.AsSpan()));
        Assert.Equal(TetherErrorCode.DecodeDepthExceeded, error.Code);

        var relaxed = new DecodeOptions { MaxDepth = 100 };
        Assert.Equal(70, Depth(TetherCodec.Decode<Node>(bytes.AsSpan(), relaxed)));

        var strict = new DecodeOptions { MaxDepth = 3 };
        Assert.Equal(3, Depth(TetherCodec.Decode<Node>(TetherCodec.ToArray(Chain(3)).AsSpan(), strict)));
        Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Node>(TetherCodec.ToArray(Chain(4)).AsSpan(), strict));
    }

    [Fact]
    public void Encoding_a_cycle_fails_with_a_typed_error_instead_of_overflowing_the_stack()
    {
        var node = new Node { Value = 1 };
        node.Child = node;
        var error = Assert.Throws<TetherException>(() => TetherCodec.ToArray(node));
        Assert.Equal(TetherErrorCode.EncodeDepthExceeded, error.Code);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, TetherErrorCode.DecodeMalformedVarint)] // 11-byte varint
    [InlineData(new byte[] { 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, TetherErrorCode.DecodeMalformedVarint)]       // 10th byte overflows 64 bits
    [InlineData(new byte[] { 1, 2, 2 }, TetherErrorCode.DecodeLengthMismatch)]                                                            // trailing bytes
    public void Malformed_integers_and_trailing_bytes_are_rejected(byte[] bytes, TetherErrorCode expected)
    {
        // ItemV1's first member is a 64-bit varint.
        Assert.Equal(expected, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<ItemV1>(bytes.AsSpan())).Code);
        var oneByteSegments = Sequences.Create(bytes.Select((_, i) => (ReadOnlyMemory<byte>)bytes.AsMemory(i, 1)).ToArray());
        Assert.Equal(expected, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<ItemV1>(oneByteSegments)).Code);
    }

    [Fact]
    public void Out_of_range_values_are_rejected()
    {
        byte[] valid = TetherCodec.ToArray(new Primitives { Decimal = 1.5m, DateTime = DateTime.UnixEpoch });

        byte[] badBool = (byte[])valid.Clone();
        badBool[1] = 2;  // Bool is the first member, right after the member count
        Assert.Equal(TetherErrorCode.DecodeInvalidValue, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Primitives>(badBool.AsSpan())).Code);

        var nested = new Scalars { MaybeInt = 1 };
        byte[] badPresence = TetherCodec.ToArray(nested);
        badPresence[1] = 7;  // MaybeInt's presence byte
        Assert.Equal(TetherErrorCode.DecodeInvalidValue, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Scalars>(badPresence.AsSpan())).Code);
    }

    [Fact]
    public void A_value_the_message_constructor_rejects_is_a_decode_error()
    {
        Assert.Equal(5, TetherCodec.Decode<Validated>(TetherCodec.ToArray(new Validated(5)).AsSpan()).Quantity);

        byte[] bytes = [1, 0];  // Quantity = 0, which the constructor refuses
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Validated>(bytes.AsSpan()));
        Assert.Equal(TetherErrorCode.DecodeInvalidValue, error.Code);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [Fact]
    public void Duplicate_dictionary_keys_are_rejected()
    {
        // Collections { Counts = { "k": 1, "k": 2 } }: member count 4, three null members, then the map.
        byte[] bytes = [4, 0, 0, 0, 3, 2, (byte)'k', 2, 2, (byte)'k', 4];
        Assert.Equal(TetherErrorCode.DecodeInvalidValue, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Collections>(bytes.AsSpan())).Code);
    }

    [Fact]
    public void Random_bytes_either_decode_or_raise_a_decode_error()
    {
        Gen.Byte.Array[0, 64].Sample(
            bytes =>
            {
                Attempt<Collections>(bytes);
                Attempt<Primitives>(bytes);
                Attempt<Scalars>(bytes);
                Attempt<Node>(bytes);
            },
            iter: 20_000,
            threads: 1);

        static void Attempt<T>(byte[] bytes)
            where T : IMessage<T>
        {
            try
            {
                TetherCodec.Decode<T>(GuardedInput.Place(bytes)); // ending at an unreadable page: a read past it faults
            }
            catch (TetherDecodeException)
            {
            }
        }
    }

    [Fact]
    public void TryDecode_reports_the_code_without_throwing()
    {
        Assert.False(TetherCodec.TryDecode<ItemV1>(new ReadOnlySequence<byte>([2, 2]), out _, out TetherErrorCode code));
        Assert.Equal(TetherErrorCode.DecodeTruncated, code);
        Assert.True(TetherCodec.TryDecode<ItemV1>(new ReadOnlySequence<byte>(TetherCodec.ToArray(new ItemV1(1, "a"))), out ItemV1? item, out code));
        Assert.Equal(new ItemV1(1, "a"), item);
        Assert.Equal(TetherErrorCode.None, code);
    }

    private static void AssertRejectedWithoutLargeAllocation<T>(byte[] bytes, TetherErrorCode expected)
        where T : IMessage<T>
    {
        foreach (ReadOnlySequence<byte> sequence in Sequences.AllSplits(bytes))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<T>(sequence));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(expected, error.Code);

            // The exception and its stack trace only: nothing proportional to the claimed length.
            Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
        }
    }

    private static Node Chain(int depth)
    {
        var root = new Node { Value = 0 };
        Node current = root;
        for (int i = 1; i <= depth; i++)
        {
            current.Child = new Node { Value = i };
            current = current.Child;
        }

        return root;
    }

    private static int Depth(Node node)
    {
        int depth = 0;
        for (Node? n = node.Child; n is not null; n = n.Child)
        {
            depth++;
        }

        return depth;
    }
}
