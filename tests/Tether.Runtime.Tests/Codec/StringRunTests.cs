using System.Buffers;
using GuardedInput = Tether.Fuzz.GuardedInput;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;
using Tether.Serialization;

namespace Tether.Runtime.Tests.Codec;

/// <summary>
/// A message whose bounded runs are split by strings is read as one cursor run when the segment holds its maximum, the
/// ASCII strings with a one-byte header read in place (<see cref="TetherReader.GetString"/>: up to 16 bytes inline, up to
/// 126 when the segment also holds the rest of the run); any other string leaves the run at its own read. Whichever way
/// a message is read, it must decode to the same value or fail with the same error: the contiguous decode (cursor), with
/// and without a string pool, is checked against one byte per segment (every check on the way).
/// </summary>
public sealed class StringRunTests
{
    // One pool for the class: values seen in one test are found in its table by the next (the pooled run's hit path).
    private static readonly DecodeOptions s_pooled = new() { StringPool = new CommunityToolkit.HighPerformance.Buffers.StringPool() };

    // Every length the inline read covers and just past it, the two-block conversion's last (32) and the one after, longer
    // ones up to and past a one-byte header's 126 bytes; ASCII and not, null and empty.
    public static TheoryData<string?> Texts()
    {
        var texts = new TheoryData<string?> { null, "" };
        int[] longer = [24, 32, 33, 64, 125, 126, 127, 128, 200];
        foreach (int length in Enumerable.Range(1, ShortAscii.MaxLength + 3).Concat(longer))
        {
            string ascii = new string('a', length - 1) + "Z";
            texts.Add(ascii);
            texts.Add("é" + ascii[1..]);
            texts.Add(ascii[..^1] + "\u4e2d");
        }

        return texts;
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void A_string_between_runs_round_trips_whether_read_in_place_or_not(string? text)
    {
        // Several elements each: the first ones have the next ones' bytes after them, so the cursor path is taken.
        RunPrimitives item = Item(text);
        var order = new Order(-5, 300, 1.5, text ?? "", true, long.MaxValue);
        var batch = new RunBatch([item, item with { Last = 7 }, item], [order, order with { Id = long.MinValue }, order]);
        byte[] bytes = TetherCodec.ToArray(batch);

        Assert.True(AssertSameOutcome(bytes));
        RunBatch decoded = TetherCodec.Decode<RunBatch>(bytes.AsSpan());
        Assert.Equal(batch.Items, decoded.Items);
        Assert.Equal(batch.Orders, decoded.Orders);
        Assert.Equal(batch.Orders, TetherCodec.Decode<RunBatch>(bytes.AsSpan(), s_pooled).Orders);
        Assert.Equal(batch.Orders, TetherCodec.Decode<RunBatch>(bytes.AsSpan(), s_pooled).Orders); // the values now in the pool's table
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Strings_first_side_by_side_and_last_round_trip_whether_read_in_place_or_not(string? text)
    {
        var labels = new Labels(text ?? "", text, -1, "LAST");
        var batch = new LabelBatch([labels, new Labels("a", "bc", 300, text ?? "d"), labels with { Second = null }, labels]);
        byte[] bytes = TetherCodec.ToArray(batch);

        Assert.True(AssertSameOutcome<LabelBatch>(bytes, static (expected, actual) => Assert.Equal(expected.Items, actual.Items)));
        Assert.Equal(batch.Items, TetherCodec.Decode<LabelBatch>(bytes.AsSpan()).Items);
        for (int at = 0; at < bytes.Length; at++)
        {
            byte[] corrupted = (byte[])bytes.Clone();
            corrupted[at] ^= 0x81;
            _ = AssertSameOutcome<LabelBatch>(corrupted, static (expected, actual) => Assert.Equal(expected.Items, actual.Items));
        }
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Nothing_past_the_input_is_read_whole_or_cut_anywhere(string? text)
    {
        // The input ends at a page the process may not read (GuardedInput, as in the fuzz targets): a run that trusted its
        // check past a long string (and read the next member's 8-byte window there), or any other read past the end,
        // faults instead of passing unseen. The last element's string decides whether its run is read in place; every
        // prefix must fail, typed.
        var labels = new LabelBatch([new Labels("a", "b", 1, "c"), new Labels(text ?? "", "b", 300, ""), new Labels(text ?? "", null, -70000, "")]);
        var runs = new RunBatch([Item("x"), Item(text)], [new Order(1, 2, 3, "A", true, 4), new Order(-1, 70000, 3, text ?? "", false, long.MaxValue)]);
        AssertReadsOnlyItsInput(labels, static (expected, actual) => Assert.Equal(expected.Items, actual.Items));
        AssertReadsOnlyItsInput(runs, static (expected, actual) =>
        {
            Assert.Equal(expected.Items, actual.Items);
            Assert.Equal(expected.Orders, actual.Orders);
        });
    }

    [Fact]
    public void A_corrupted_batch_decodes_or_fails_alike_with_and_without_the_cursor()
    {
        var orders = Enumerable.Range(0, 4).Select(i => new Order(i * 1000, i, i + 0.5, "SYM" + i, i % 2 == 0, 1L << (50 + i))).ToArray();
        var batch = new RunBatch([Item("short"), Item("x"), Item(null)], orders);
        byte[] bytes = TetherCodec.ToArray(batch);
        int decoded = 0;
        int refused = 0;
        for (int at = 0; at < bytes.Length; at++)
        {
            foreach (byte value in new byte[] { 0, 1, 2, 5, 17, 18, 0x7F, 0x80, 0xC3, 0xFF })
            {
                byte[] corrupted = (byte[])bytes.Clone();
                corrupted[at] = value;
                _ = AssertSameOutcome(corrupted) ? decoded++ : refused++;
            }
        }

        // Both outcomes were compared, many times over: values that still decode (to something else) and errors.
        Assert.True(decoded > 100 && refused > 100, $"{decoded} decoded, {refused} refused");
    }

    [Fact]
    public void A_short_string_running_past_its_message_is_refused_at_its_header()
    {
        // The first Order's own length cut to end inside its symbol: the string is short ASCII and its bytes are in the
        // segment, but they belong to the next element.
        var order = new Order(1, 2, 3, "ABCDEFGH", false, 4);
        var batch = new RunBatch([], [order, order, order]);
        byte[] bytes = TetherCodec.ToArray(batch);
        byte[] element = TetherCodec.ToArray(order);
        int lengthAt = IndexOf(bytes, element) - 1;
        int symbolAt = lengthAt + 1 + IndexOf(element, [9, (byte)'A']);
        bytes[lengthAt] = (byte)(symbolAt - lengthAt + 3);

        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<RunBatch>(bytes.AsSpan()));
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, error.Code);
        Assert.Equal(symbolAt, error.Position);
        Assert.False(AssertSameOutcome(bytes)); // refused alike one byte per segment
    }

    private static RunPrimitives Item(string? text) => new(
        true, 1, -1, -300, 300, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue, -1, 1, 'q', 1.5f, -2.5, (Half)1,
        new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc), TimeSpan.FromTicks(-77), Side.Sell, Flags.A, Wide.Large, 9, null, text, 12, 5);

    // The contiguous decode against one byte per segment, where every read takes its checked path; true if it decoded.
    private static bool AssertSameOutcome(byte[] bytes) =>
        AssertSameOutcome<RunBatch>(bytes, static (expected, actual) =>
        {
            Assert.Equal(expected.Items, actual.Items);
            Assert.Equal(expected.Orders, actual.Orders);
        });

    private static bool AssertSameOutcome<T>(byte[] bytes, Action<T, T> assertEqual)
        where T : class, IMessage<T>
    {
        var bytewise = Sequences.Create(Enumerable.Range(0, bytes.Length).Select(i => (ReadOnlyMemory<byte>)bytes.AsMemory(i, 1)).ToArray());
        static (T? Value, TetherErrorCode? Code, long Position) Decode(Func<T> decode)
        {
            try
            {
                return (decode(), null, -1);
            }
            catch (TetherDecodeException error)
            {
                return (null, error.Code, error.Position);
            }
        }

        var checkedPath = Decode(() => TetherCodec.Decode<T>(bytewise));
        foreach (var (name, options) in new[] { ("contiguous", DecodeOptions.Default), ("contiguous, pooled", s_pooled) })
        {
            var contiguous = Decode(() => TetherCodec.Decode<T>(bytes.AsSpan(), options));
            Assert.True(
                checkedPath.Code == contiguous.Code && checkedPath.Position == contiguous.Position,
                $"{checkedPath.Code} at {checkedPath.Position} one byte per segment, {contiguous.Code} at {contiguous.Position} {name}, in {Convert.ToHexString(bytes)}");
            if (checkedPath.Value is { } expected)
            {
                assertEqual(expected, contiguous.Value!);
            }
        }

        return checkedPath.Value is not null;
    }

    private static void AssertReadsOnlyItsInput<T>(T message, Action<T, T> assertEqual)
        where T : class, IMessage<T>
    {
        byte[] bytes = TetherCodec.ToArray(message);
        foreach (DecodeOptions options in new[] { DecodeOptions.Default, s_pooled })
        {
            assertEqual(message, TetherCodec.Decode<T>(GuardedInput.Place(bytes), options));
            for (int length = 0; length < bytes.Length; length++)
            {
                try
                {
                    _ = TetherCodec.Decode<T>(GuardedInput.Place(bytes.AsSpan(0, length)), options);
                    Assert.Fail($"{length} of {bytes.Length} bytes decoded");
                }
                catch (TetherDecodeException)
                {
                }
            }
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
