using System.Buffers;
using Tether.Runtime.Tests.Messages;

namespace Tether.Runtime.Tests.Codec;

/// <summary>Allocation budgets (deterministic, unlike timings).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Encoding_and_decoding_a_primitive_record_struct_10000_times_allocates_nothing()
    {
        Primitives value = Sample;
        var output = new ArrayBufferWriter<byte>(1024);
        RoundTrip(value, output, 100); // warm up: JIT and static initialisation

        long before = GC.GetAllocatedBytesForCurrentThread();
        Primitives last = RoundTrip(value, output, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(value, last);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Decoding_across_segments_allocates_nothing_for_primitives()
    {
        Primitives value = Sample;
        byte[] bytes = TetherCodec.ToArray(value);
        ReadOnlySequence<byte> split = Support.Sequences.Create(bytes.AsMemory(0, 7), bytes.AsMemory(7, 20), bytes.AsMemory(27));
        Assert.Equal(value, TetherCodec.Decode<Primitives>(split));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            _ = TetherCodec.Decode<Primitives>(split);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Encoding_an_order_allocates_nothing()
    {
        var order = new Order(1, 2, 3.5, "ABCDEFGH", true, 638_000_000_000_000_000);
        var output = new ArrayBufferWriter<byte>(256);
        TetherCodec.Encode(output, order);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            output.ResetWrittenCount();
            TetherCodec.Encode(output, order);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static readonly Primitives Sample = new(
        true, 200, -100, -30_000, 60_000, -123_456_789, 4_000_000_000, long.MinValue / 3, ulong.MaxValue / 5,
        -42, 42, 'é', 1.5f, Math.PI, (Half)0.25, 12_345.678m, Int128.MaxValue / 7, UInt128.MaxValue / 9,
        Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateTime(2026, 11, 24, 3, 0, 0, DateTimeKind.Utc),
        new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.FromHours(5.5)), TimeSpan.FromMilliseconds(-1234.5), Side.Sell, Flags.B, Wide.Large);

    private static Primitives RoundTrip(Primitives value, ArrayBufferWriter<byte> output, int count)
    {
        Primitives decoded = default;
        for (int i = 0; i < count; i++)
        {
            output.ResetWrittenCount();
            TetherCodec.Encode(output, value);
            decoded = TetherCodec.Decode<Primitives>(new ReadOnlySequence<byte>(output.WrittenMemory));
        }

        return decoded;
    }
}
