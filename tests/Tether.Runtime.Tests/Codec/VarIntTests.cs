using Tether.Runtime.Tests.Support;
using Tether.Serialization;

namespace Tether.Runtime.Tests.Codec;

/// <summary>Varints of every length decode on every path: wide window, in-span loop, across segments.</summary>
public sealed class VarIntTests
{
    public static TheoryData<int> Padding => [0, 1, 2, 5, 7, 8, 9, 12];

    [Theory]
    [MemberData(nameof(Padding))]
    public void Every_64_bit_length_round_trips(int padding)
    {
        foreach (ulong value in Boundaries(64))
        {
            byte[] bytes = Encode(value, padding, wide: true);
            Assert.Equal(Wire.VarUInt64Size(value), bytes.Length - padding);
            var reader = new TetherReader(bytes.AsSpan());
            Assert.Equal(value, reader.ReadVarUInt64());
            Assert.Equal(bytes.Length - padding, reader.Consumed);

            foreach (var sequence in Sequences.AllSplits(bytes))
            {
                var split = new TetherReader(sequence);
                Assert.Equal(value, split.ReadVarUInt64());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Padding))]
    public void Every_32_bit_length_round_trips(int padding)
    {
        foreach (ulong value in Boundaries(32))
        {
            byte[] bytes = Encode(value, padding, wide: false);
            var reader = new TetherReader(bytes.AsSpan());
            Assert.Equal((uint)value, reader.ReadVarUInt32());
            Assert.Equal(bytes.Length - padding, reader.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(Padding))]
    public void A_32_bit_varint_past_32_bits_is_malformed(int padding)
    {
        // 2^32 needs a fifth byte of 0x10; 6-byte encodings are too long whatever they hold.
        foreach (byte[] body in new[] { new byte[] { 0x80, 0x80, 0x80, 0x80, 0x10 }, [0x80, 0x80, 0x80, 0x80, 0x80, 0x00] })
        {
            byte[] bytes = [.. body, .. new byte[padding]];
            var error = Assert.Throws<TetherDecodeException>(() => new TetherReader(bytes.AsSpan()).ReadVarUInt32());
            Assert.Equal(TetherErrorCode.DecodeMalformedVarint, error.Code);
        }
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7F")]
    [InlineData(128UL, "8001")]
    [InlineData(300UL, "AC02")]
    [InlineData(16_383UL, "FF7F")]
    [InlineData(16_384UL, "808001")]
    [InlineData((1UL << 56) - 1, "FFFFFFFFFFFFFF7F")]
    [InlineData(1UL << 56, "808080808080808001")]
    [InlineData(1UL << 63, "80808080808080808001")]
    [InlineData(ulong.MaxValue, "FFFFFFFFFFFFFFFFFF01")]
    public void Encodings_match_the_documented_bytes(ulong value, string hex)
    {
        foreach (int room in new[] { 0, 8 })
        {
            byte[] buffer = new byte[Wire.MaxVarInt64Length + room];
            var writer = new TetherWriter(buffer.AsSpan());
            writer.WriteVarUInt64(value);
            writer.Flush();
            Assert.Equal(hex, Convert.ToHexString(buffer, 0, (int)writer.BytesWritten));
        }
    }

    [Fact]
    public void Every_length_encodes_the_same_with_and_without_room_for_a_whole_word()
    {
        // Multi-byte varints are stored as one 8-byte word where eight bytes are writable and byte by byte otherwise
        // (a 32-bit varint with five to seven bytes left): both must give the canonical encoding.
        foreach (ulong value in Boundaries(64))
        {
            byte[] canonical = ReferenceVarInt.Encode(value);
            for (int room = 0; room <= 12; room++)
            {
                byte[] buffer = Enumerable.Repeat((byte)0xEE, canonical.Length + room + 10).ToArray();
                var run = new TetherWriter(buffer.AsSpan(0, Math.Max(canonical.Length + room, Wire.MaxVarInt64Length)));
                run.Reserve(Wire.MaxVarInt64Length);
                run.UncheckedWriteVarUInt64(value);
                if (value <= uint.MaxValue)
                {
                    run.Reserve(Wire.MaxVarInt32Length);
                    run.UncheckedWriteVarUInt32((uint)value);
                }

                run.Flush();
                byte[] expected = value <= uint.MaxValue ? [.. canonical, .. canonical] : canonical;
                Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(buffer, 0, (int)run.BytesWritten));
            }
        }
    }

    [Fact]
    public void Every_length_reads_through_a_run_and_the_run_commits_what_it_read()
    {
        foreach (ulong value in Boundaries(64))
        {
            byte[] canonical = ReferenceVarInt.Encode(value);

            // A byte read before the run, the value as a 64-bit and (where it fits) a 32-bit varint, and the slack the
            // generated run checks for (a varint's 8-byte window).
            byte[] bytes = [0x2A, .. canonical, .. canonical, .. new byte[Wire.MaxVarInt64Length]];
            var reader = new TetherReader(bytes.AsSpan());
            Assert.Equal(0x2A, reader.ReadByte());
            ref byte run = ref reader.BeginRun();
            int offset = 0;
            Assert.Equal(value, reader.GetVarUInt64(ref run, ref offset));
            Assert.Equal(canonical.Length, offset);
            if (value <= uint.MaxValue)
            {
                Assert.Equal((uint)value, reader.GetVarUInt32(ref run, ref offset));
                Assert.Equal(2 * canonical.Length, offset);
            }

            Assert.Equal(1, reader.Consumed); // nothing committed until EndRun
            reader.EndRun(offset);
            Assert.Equal(1 + offset, reader.Consumed);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x10 }, false)] // 2^32 in a 32-bit varint
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, false)] // six bytes: too long for 32 bits
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, false)] // no end in the 8-byte window
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02 }, true)] // 2^64
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, true)] // eleven bytes
    public void A_malformed_varint_in_a_run_is_reported_at_its_first_byte(byte[] varint, bool wide)
    {
        // Two bytes read before the run, one member of the run before the varint: the varint starts at byte 3.
        byte[] bytes = [0x01, 0x02, 0x07, .. varint, .. new byte[Wire.MaxVarInt64Length]];
        var error = ReadRunFailure(bytes, wide);
        Assert.Equal(TetherErrorCode.DecodeMalformedVarint, error.Code);
        Assert.Equal(3, error.Position);
    }

    [Fact]
    public void A_boolean_or_narrow_integer_out_of_range_in_a_run_is_reported_at_its_first_byte()
    {
        byte[] padding = new byte[Wire.MaxVarInt64Length];
        foreach (var error in new[]
        {
            ReadRunFailure([0x01, 0x02, 0x07, 0x02, .. padding], wide: null), // a bool of 2
            ReadRunFailure([0x01, 0x02, 0x07, 0x80, 0x80, 0x04, .. padding], wide: null, int16: true), // zig-zag 32,768
        })
        {
            Assert.Equal(TetherErrorCode.DecodeInvalidValue, error.Code);
            Assert.Equal(3, error.Position);
        }
    }

    // Reads, through a run that starts after two bytes, one byte and then the value: a 64-bit varint (wide), a 32-bit
    // one, or (null) a bool or an Int16; returns the decode error it must raise.
    private static TetherDecodeException ReadRunFailure(byte[] bytes, bool? wide, bool int16 = false)
    {
        var reader = new TetherReader(bytes.AsSpan());
        reader.ReadByte();
        reader.ReadByte();
        ref byte run = ref reader.BeginRun();
        int offset = 0;
        Assert.Equal(0x07, TetherReader.GetByte(ref run, ref offset));
        try
        {
            _ = wide switch
            {
                true => reader.GetVarUInt64(ref run, ref offset),
                false => reader.GetVarUInt32(ref run, ref offset),
                null when int16 => (ulong)reader.GetInt16(ref run, ref offset),
                null => reader.GetBoolean(ref run, ref offset) ? 1UL : 0UL,
            };
        }
        catch (TetherDecodeException error)
        {
            Assert.Equal(2, reader.Consumed); // the run was not committed
            return error;
        }

        throw new Xunit.Sdk.XunitException("The run read a malformed value without an error.");
    }

    [Fact]
    public void Zigzag_maps_small_magnitudes_to_small_codes()
    {
        Assert.Equal(0u, Wire.ZigZag(0));
        Assert.Equal(1u, Wire.ZigZag(-1));
        Assert.Equal(2u, Wire.ZigZag(1));
        Assert.Equal(uint.MaxValue, Wire.ZigZag(int.MinValue));
        Assert.Equal(long.MinValue, Wire.UnZigZag(Wire.ZigZag(long.MinValue)));
        Assert.Equal(long.MaxValue, Wire.UnZigZag(Wire.ZigZag(long.MaxValue)));
    }

    private static IEnumerable<ulong> Boundaries(int bits)
    {
        yield return 0;
        for (int k = 1; k <= bits; k++)
        {
            ulong max = k == 64 ? ulong.MaxValue : (1UL << k) - 1;
            yield return max;
            yield return max >> 1 | 1;
            if (k < bits)
            {
                yield return max + 1;
            }
        }
    }

    private static byte[] Encode(ulong value, int padding, bool wide)
    {
        byte[] buffer = new byte[Wire.MaxVarInt64Length + padding];
        var writer = new TetherWriter(buffer.AsSpan());
        if (wide)
        {
            writer.WriteVarUInt64(value);
        }
        else
        {
            writer.WriteVarUInt32((uint)value);
        }

        writer.Flush();
        int length = (int)writer.BytesWritten;
        return buffer.AsSpan(0, length + padding).ToArray();
    }
}
