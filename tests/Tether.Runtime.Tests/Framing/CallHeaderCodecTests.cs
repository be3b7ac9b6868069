using System.Buffers;
using Tether.Framing;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Framing;

/// <summary>The call headers block (wire format §6.9): the documented bytes, round trips, and every way a hostile block is refused.</summary>
public sealed class CallHeaderCodecTests
{
    private static readonly CallHeaderLimits Limits = new(MaxBytes: 8 * 1024, MaxMetadataEntries: 64);

    [Fact]
    public void The_documented_example_is_byte_exact()
    {
        // docs/wire-format.md §6.9: a 250 ms deadline and tenant=acme.
        var metadata = new CallMetadata { { "tenant", "acme" } };
        byte[] block = Write(new OutgoingCallHeaders { DeadlineMicros = 250_000, Metadata = metadata, Priority = -1 });

        Assert.Equal("12" + "010390A10F" + "040B0674656E616E7461636D65", Convert.ToHexString(block));
    }

    [Fact]
    public void Every_entry_round_trips_across_any_split_of_the_payload()
    {
        byte[] traceParent = [0, .. Enumerable.Range(1, 16).Select(static i => (byte)i), .. Enumerable.Range(100, 8).Select(static i => (byte)i), 1];
        var metadata = new CallMetadata { { "tenant", "acme" }, { "blob", new byte[] { 0, 255, 7 } }, { "empty", "" }, { "utf8", "héllo ✓" } };
        byte[] block = Write(new OutgoingCallHeaders
        {
            DeadlineMicros = 1,
            Metadata = metadata,
            TraceParent = traceParent,
            TraceState = "vendor=opaque",
            IdempotencyKey = new byte[] { 9, 9, 9 },
            Priority = 200,
        });
        byte[] payload = [.. block, 0xAB, 0xCD]; // the body follows the block

        foreach (ReadOnlySequence<byte> input in Sequences.AllSplits(payload))
        {
            Assert.Equal(TetherErrorCode.None, CallHeaderCodec.TryRead(input, Limits, out IncomingCallHeaders? read, out ReadOnlySequence<byte> rest, out string? problem));
            Assert.Null(problem);
            Assert.Equal([0xAB, 0xCD], rest.ToArray());
            Assert.Equal(1, read!.DeadlineMicros);
            Assert.Equal(traceParent, read.TraceParent);
            Assert.Equal("vendor=opaque", read.TraceState);
            Assert.Equal([9, 9, 9], read.IdempotencyKey);
            Assert.Equal(200, read.Priority);
            Assert.True(read.Metadata.IsReadOnly);
            Assert.Equal(["tenant=acme", "blob=00FF07", "empty=", "utf8=héllo ✓"],
                read.Metadata.Select(static e => e.IsBinary ? $"{e.Key}={Convert.ToHexString(e.Bytes.Span)}" : $"{e.Key}={e.Text}"));
        }
    }

    [Fact]
    public void Empty_headers_write_no_block_and_an_empty_block_reads_as_nothing()
    {
        Assert.True(OutgoingCallHeaders.None.IsEmpty);
        Assert.Equal(0, CallHeaderCodec.GetBlockSize(OutgoingCallHeaders.None));

        Assert.Equal(TetherErrorCode.None, Read([0x00, 0x42], out IncomingCallHeaders? read, out byte[] rest, out _));
        Assert.Equal(0, read!.DeadlineMicros);
        Assert.Empty(read.Metadata);
        Assert.Equal([0x42], rest);
    }

    [Fact]
    public void An_entry_a_later_build_adds_is_skipped()
    {
        // Seven bytes of entries: an unknown tag 0x7F with two bytes, then a priority of 5; then one byte of body.
        byte[] block = [0x07, 0x7F, 0x02, 0xAA, 0xBB, 0x07, 0x01, 0x05, /* body */ 0x00];

        Assert.Equal(TetherErrorCode.None, Read(block, out IncomingCallHeaders? read, out byte[] rest, out _));
        Assert.Equal(5, read!.Priority);
        Assert.Equal([0x00], rest);
    }

    public static TheoryData<string, byte[], TetherErrorCode> Hostile => new()
    {
        { "length truncated", [0x80], TetherErrorCode.InvalidCallHeaders },
        { "block longer than the frame", [0x05, 0x01, 0x01], TetherErrorCode.InvalidCallHeaders },
        { "entry longer than the block", [0x03, 0x04, 0x09, 0x01], TetherErrorCode.InvalidCallHeaders },
        { "tag 0", [0x02, 0x00, 0x00], TetherErrorCode.InvalidCallHeaders },
        { "deadline of 0", [0x03, 0x01, 0x01, 0x00], TetherErrorCode.InvalidCallHeaders },
        { "deadline not filling its entry", [0x04, 0x01, 0x02, 0x01, 0x01], TetherErrorCode.InvalidCallHeaders },
        { "deadline twice", [0x06, 0x01, 0x01, 0x05, 0x01, 0x01, 0x05], TetherErrorCode.InvalidCallHeaders },
        { "key with an upper-case letter", [0x05, 0x04, 0x03, 0x01, (byte)'K', (byte)'v'], TetherErrorCode.InvalidCallHeaders },
        { "empty key", [0x03, 0x04, 0x01, 0x00], TetherErrorCode.InvalidCallHeaders },
        { "duplicate key", [0x0A, 0x04, 0x03, 0x01, (byte)'k', (byte)'a', 0x05, 0x03, 0x01, (byte)'k', (byte)'b'], TetherErrorCode.InvalidCallHeaders },
        { "value not UTF-8", [0x05, 0x04, 0x03, 0x01, (byte)'k', 0xC3], TetherErrorCode.InvalidCallHeaders },
        { "traceparent of 3 bytes", [0x05, 0x02, 0x03, 0x00, 0x01, 0x02], TetherErrorCode.InvalidCallHeaders },
        { "tracestate not UTF-8", [0x03, 0x03, 0x01, 0xFF], TetherErrorCode.InvalidCallHeaders },
        { "idempotency key empty", [0x02, 0x06, 0x00], TetherErrorCode.InvalidCallHeaders },
        { "priority of two bytes", [0x04, 0x07, 0x02, 0x01, 0x02], TetherErrorCode.InvalidCallHeaders },
        { "block over the limit", [0x81, 0x40], TetherErrorCode.CallHeadersTooLarge }, // 8,193 bytes claimed, limit 8,192
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_block_is_refused_with_a_typed_code_and_a_reason(string what, byte[] payload, TetherErrorCode expected)
    {
        Assert.Equal(expected, Read(payload, out IncomingCallHeaders? read, out _, out string? problem));
        Assert.Null(read);
        Assert.False(string.IsNullOrEmpty(problem), what);
    }

    [Fact]
    public void More_metadata_entries_than_the_limit_are_refused_as_too_large()
    {
        var metadata = new CallMetadata();
        for (int i = 0; i < 5; i++)
        {
            metadata.Add($"k{i}", "v");
        }

        byte[] block = Write(new OutgoingCallHeaders { Metadata = metadata, Priority = -1 });
        Assert.Equal(TetherErrorCode.CallHeadersTooLarge, CallHeaderCodec.TryRead(new ReadOnlySequence<byte>(block), Limits with { MaxMetadataEntries = 4 }, out _, out _, out string? problem));
        Assert.Contains("more than 4 metadata entries", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_refuses_bad_keys_duplicates_and_changes_once_received()
    {
        var metadata = new CallMetadata { { "a-b_c.9", "ok" } };
        Assert.Throws<ArgumentException>(() => metadata.Add("Upper", "x"));
        Assert.Throws<ArgumentException>(() => metadata.Add("", "x"));
        Assert.Throws<ArgumentException>(() => metadata.Add(new string('k', CallMetadata.MaxKeyLength + 1), "x"));
        Assert.Throws<ArgumentException>(() => metadata.Add("a-b_c.9", "again"));
        metadata.Set("a-b_c.9", "replaced");
        Assert.Equal("replaced", metadata.GetString("a-b_c.9"));
        Assert.Throws<InvalidOperationException>(() => CallMetadata.Empty.Add("k", "v"));
    }

    private static byte[] Write(in OutgoingCallHeaders headers)
    {
        int blockSize = CallHeaderCodec.GetBlockSize(headers);
        byte[] block = new byte[CallHeaderCodec.GetPrefixedSize(blockSize)];
        Assert.Equal(block.Length, CallHeaderCodec.Write(block, headers, blockSize));
        return block;
    }

    private static TetherErrorCode Read(byte[] payload, out IncomingCallHeaders? headers, out byte[] rest, out string? problem)
    {
        TetherErrorCode code = CallHeaderCodec.TryRead(new ReadOnlySequence<byte>(payload), Limits, out headers, out ReadOnlySequence<byte> after, out problem);
        rest = after.ToArray();
        return code;
    }
}
