using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;
using Tether.Serialization;

namespace Tether.Runtime.Tests.Codec;

/// <summary>
/// Short strings take an inline ASCII path on both sides (<see cref="ShortAscii"/>), strings of up to 32 chars a
/// straight-line one: every length they cover and just past it, non-ASCII at every position, and the limits the reader checks, against the general path's bytes.
/// </summary>
public sealed class ShortTextTests
{
    private const byte Sentinel = 0xEE;

    public static TheoryData<int> ShortLengths => [.. Enumerable.Range(0, ShortAscii.MaxLength + 1)];

    public static TheoryData<int> NonEmptyShortLengths => [.. Enumerable.Range(1, ShortAscii.MaxLength)];

    public static TheoryData<int> MediumLengths => [.. Enumerable.Range(ShortAscii.MaxLength, ShortAscii.MaxMediumLength - ShortAscii.MaxLength + 1)];

    public static TheoryData<int> Lengths => [.. Enumerable.Range(0, ShortAscii.MaxMediumLength + 5)];

    [Theory]
    [MemberData(nameof(ShortLengths))]
    public void Narrowing_writes_exactly_the_ascii_bytes_and_nothing_past_them(int length)
    {
        string text = Ascii(length);
        byte[] destination = Enumerable.Repeat(Sentinel, length + 16).ToArray();
        Assert.True(ShortAscii.TryNarrow(ref MemoryMarshal.GetReference(text.AsSpan()), length, ref destination[0]));
        Assert.Equal(Encoding.ASCII.GetBytes(text), destination.AsSpan(0, length).ToArray());
        Assert.All(destination.AsSpan(length).ToArray(), b => Assert.Equal(Sentinel, b));
    }

    [Theory]
    [MemberData(nameof(ShortLengths))]
    public void Widening_writes_exactly_the_chars_and_nothing_past_them(int length)
    {
        byte[] source = Encoding.ASCII.GetBytes(Ascii(length));
        char[] destination = Enumerable.Repeat('#', length + 16).ToArray();
        Assert.True(ShortAscii.TryWiden(ref MemoryMarshal.GetArrayDataReference(source), length, ref MemoryMarshal.GetArrayDataReference(destination)));
        Assert.Equal(Ascii(length), new string(destination, 0, length));
        Assert.All(destination.AsSpan(length).ToArray(), c => Assert.Equal('#', c));
    }

    [Theory]
    [MemberData(nameof(NonEmptyShortLengths))]
    public void A_char_or_byte_outside_ascii_at_any_position_is_refused(int length)
    {
        for (int at = 0; at < length; at++)
        {
            foreach (char odd in new[] { '\u0080', 'é', '\u0100', '\uFFFF' })
            {
                char[] chars = Ascii(length).ToCharArray();
                chars[at] = odd;
                byte[] narrowed = new byte[length];
                Assert.False(ShortAscii.TryNarrow(ref chars[0], length, ref narrowed[0]));
            }

            byte[] bytes = Encoding.ASCII.GetBytes(Ascii(length));
            bytes[at] = 0x80;
            char[] widened = new char[length];
            Assert.False(ShortAscii.TryWiden(ref bytes[0], length, ref widened[0]));
        }
    }

    [Theory]
    [MemberData(nameof(MediumLengths))]
    public void Medium_text_is_narrowed_and_widened_exactly_and_refused_with_anything_outside_ascii(int length)
    {
        string text = Ascii(length);
        byte[] narrowed = Enumerable.Repeat(Sentinel, length + 16).ToArray();
        Assert.True(ShortAscii.TryNarrowMedium(ref MemoryMarshal.GetReference(text.AsSpan()), length, ref narrowed[0]));
        Assert.Equal(Encoding.ASCII.GetBytes(text), narrowed.AsSpan(0, length).ToArray());
        Assert.All(narrowed.AsSpan(length).ToArray(), b => Assert.Equal(Sentinel, b));

        char[] widened = Enumerable.Repeat('#', length + 16).ToArray();
        Assert.True(ShortAscii.TryWidenMedium(ref narrowed[0], length, ref widened[0]));
        Assert.Equal(text, new string(widened, 0, length));
        Assert.All(widened.AsSpan(length).ToArray(), c => Assert.Equal('#', c));

        for (int at = 0; at < length; at++)
        {
            foreach (char odd in new[] { '\u0080', 'é', '\u0100', '\uFFFF' })
            {
                char[] chars = text.ToCharArray();
                chars[at] = odd;
                byte[] refused = new byte[length];
                Assert.False(ShortAscii.TryNarrowMedium(ref chars[0], length, ref refused[0]));
            }

            byte[] bytes = Encoding.ASCII.GetBytes(text);
            bytes[at] = 0x80;
            char[] refusedChars = new char[length];
            Assert.False(ShortAscii.TryWidenMedium(ref bytes[0], length, ref refusedChars[0]));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Strings_encode_as_utf8_and_round_trip_with_and_without_room(int length)
    {
        var samples = new List<string> { Ascii(length) };
        for (int at = 0; at < length; at++)
        {
            foreach (string odd in new[] { "é", "\u0080", "€", "😀" })
            {
                samples.Add(Ascii(length).Remove(at, 1).Insert(at, odd));
            }
        }

        foreach (string text in samples)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            byte[] expected = [.. ReferenceVarInt.Encode((ulong)utf8.Length + 1), .. utf8];

            // Into a growing buffer (room to narrow in place) and into an exactly sized span (no room: the general path).
            var output = new ArrayBufferWriter<byte>();
            var growing = new TetherWriter(output);
            growing.WriteString(text);
            growing.Flush();
            Assert.Equal(expected, output.WrittenSpan.ToArray());

            byte[] exact = new byte[expected.Length];
            var fixedWriter = new TetherWriter(exact.AsSpan());
            fixedWriter.WriteString(text);
            fixedWriter.Flush();
            Assert.Equal(expected, exact);

            var reader = new TetherReader(expected.AsSpan());
            Assert.Equal(text, reader.ReadString());
            Assert.Equal(expected.Length, reader.Consumed);
        }
    }

    [Fact]
    public void Null_and_empty_strings_keep_their_encodings()
    {
        foreach ((string? text, byte[] expected) in new[] { ((string?)null, new byte[] { 0 }), (string.Empty, new byte[] { 1 }) })
        {
            var output = new ArrayBufferWriter<byte>();
            var writer = new TetherWriter(output);
            writer.WriteString(text);
            writer.Flush();
            Assert.Equal(expected, output.WrittenSpan.ToArray());
            var reader = new TetherReader(expected.AsSpan());
            Assert.Equal(text, reader.ReadString());
        }
    }

    [Fact]
    public void A_short_string_that_runs_past_its_nested_message_is_rejected_though_the_bytes_are_there()
    {
        // BasketV1 { First = ItemV1 claiming 4 body bytes: count 2, Id 1, a Name of 4 bytes that ends 3 bytes past the
        // body }, then Items null and Tail 0. The name's bytes are all in the buffer; only the nested length forbids them.
        byte[] bytes = [3, 4, 2, 2, 5, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0, 0];
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<BasketV1>(bytes.AsSpan()));
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, error.Code);
    }

    [Fact]
    public void A_short_string_split_across_segments_round_trips()
    {
        byte[] encoded = [.. ReferenceVarInt.Encode(11), .. Encoding.ASCII.GetBytes("MSFT.OQABC")];
        foreach (var sequence in Support.Sequences.AllSplits(encoded))
        {
            var reader = new TetherReader(sequence);
            Assert.Equal("MSFT.OQABC", reader.ReadString());
        }
    }

    private static string Ascii(int length) => new([.. Enumerable.Range(0, length).Select(i => (char)(' ' + ((i * 7) % 95)))]);
}
