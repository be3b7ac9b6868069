using System.Net;
using System.Text;
using CommunityToolkit.HighPerformance.Buffers;
using Tether.Serialization;

namespace Tether.Runtime.Tests.Codec;

[Message(4701)]
public sealed partial record Quote(string Symbol, double Price);

[Message(4702)]
public sealed partial record QuoteSeen(int Count);

/// <summary>Keeps every quote's symbol instance, so a test can tell pooled strings from fresh ones.</summary>
[Handler(ServiceName = "QuoteSink")]
public sealed partial class QuoteSink
{
    public List<string> Symbols { get; } = [];

    public QuoteSeen Take(Quote quote)
    {
        lock (Symbols)
        {
            Symbols.Add(quote.Symbol);
            return new QuoteSeen(Symbols.Count);
        }
    }
}

/// <summary><see cref="DecodeOptions.StringPool"/>: opt-in pooling of decoded strings (issue 29, item 4).</summary>
public sealed class StringPoolTests
{
    [Fact]
    public void Without_a_pool_each_decode_allocates_its_own_string()
    {
        byte[] bytes = TetherCodec.ToArray(new Quote("MSFT.OQ", 1.5));
        Quote first = TetherCodec.Decode<Quote>(bytes);
        Quote second = TetherCodec.Decode<Quote>(bytes);

        Assert.Equal("MSFT.OQ", first.Symbol);
        Assert.Equal(first.Symbol, second.Symbol);
        Assert.False(ReferenceEquals(first.Symbol, second.Symbol));
    }

    [Fact]
    public void With_a_pool_the_same_text_decodes_to_one_instance_and_other_text_to_its_own()
    {
        var options = new DecodeOptions { StringPool = new StringPool() };
        byte[] msft = TetherCodec.ToArray(new Quote("MSFT.OQ", 1.5));
        byte[] nonAscii = TetherCodec.ToArray(new Quote("Zürich·€", 2.5));

        Quote first = TetherCodec.Decode<Quote>(msft, options);
        Quote second = TetherCodec.Decode<Quote>(msft, options);
        Quote other = TetherCodec.Decode<Quote>(nonAscii, options);
        Quote otherAgain = TetherCodec.Decode<Quote>(nonAscii, options);

        Assert.Same(first.Symbol, second.Symbol);
        Assert.Equal("Zürich·€", other.Symbol);
        Assert.Same(other.Symbol, otherAgain.Symbol);
        Assert.NotEqual(first.Symbol, other.Symbol);
    }

    [Fact]
    public void A_pooled_decode_of_a_value_seen_before_allocates_only_the_message()
    {
        var options = new DecodeOptions { StringPool = new StringPool() };
        byte[] bytes = TetherCodec.ToArray(new Quote("MSFT.OQ", 1.5));
        _ = TetherCodec.Decode<Quote>(bytes, options); // pools the symbol; JIT
        long withoutPool = Allocated(() => TetherCodec.Decode<Quote>(bytes));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            _ = TetherCodec.Decode<Quote>(bytes, options);
        }

        long pooled = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        long stringSize = withoutPool - pooled;
        Assert.True(stringSize >= 20 + 2 * "MSFT.OQ".Length, $"the unpooled decode should allocate the string too: {withoutPool} B against {pooled} B pooled");
    }

    [Fact]
    public void Invalid_utf8_is_still_a_typed_decode_error_with_a_pool()
    {
        var options = new DecodeOptions { StringPool = new StringPool() };
        byte[] bytes = TetherCodec.ToArray(new Quote("ABCD", 1.5));
        int at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes("ABCD"));
        bytes[at + 1] = 0xC3; // a lead byte followed by ASCII: not UTF-8
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Quote>(bytes, options));
        Assert.Equal(TetherErrorCode.DecodeInvalidUtf8, error.Code);
    }

    [Fact]
    public void Every_length_up_to_the_table_and_past_it_decodes_to_its_value_and_then_to_the_same_instance()
    {
        var options = new DecodeOptions { StringPool = new StringPool() };
        for (int length = 1; length <= PooledStrings.MaxCachedBytes + 4; length++)
        {
            string text = string.Concat(Enumerable.Range(0, length).Select(static i => (char)('a' + (i % 26))));
            byte[] bytes = TetherCodec.ToArray(new Quote(text, length));

            Quote first = TetherCodec.Decode<Quote>(bytes, options);
            Quote second = TetherCodec.Decode<Quote>(bytes, options);

            Assert.Equal(text, first.Symbol);
            Assert.Same(first.Symbol, second.Symbol);
        }
    }

    [Fact]
    public void Values_that_share_a_slot_or_differ_in_one_byte_each_decode_to_their_own_text()
    {
        // Find two 8-byte values the table puts in the same slot: each then evicts the other.
        string first = "SYM00000";
        int slot = PooledStrings.SlotOf(Encoding.ASCII.GetBytes(first));
        string? sharing = null;
        for (int i = 1; i < 1_000_000 && sharing is null; i++)
        {
            string candidate = $"SYM{i:D5}";
            if (PooledStrings.SlotOf(Encoding.ASCII.GetBytes(candidate)) == slot)
            {
                sharing = candidate;
            }
        }

        Assert.NotNull(sharing);
        string[] values = [first, sharing, "SYM00001", "SYM0000", "SYM000000", first.ToLowerInvariant()];
        var options = new DecodeOptions { StringPool = new StringPool() };
        byte[][] encoded = [.. values.Select(static v => TetherCodec.ToArray(new Quote(v, 1)))];
        for (int round = 0; round < 100; round++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(values[i], TetherCodec.Decode<Quote>(encoded[i], options).Symbol);
            }
        }
    }

    [Fact]
    public void Short_non_ascii_text_is_pooled_and_invalid_bytes_never_match_a_remembered_value()
    {
        var options = new DecodeOptions { StringPool = new StringPool() };
        byte[] accented = TetherCodec.ToArray(new Quote("Zoë", 1));
        Assert.Same(TetherCodec.Decode<Quote>(accented, options).Symbol, TetherCodec.Decode<Quote>(accented, options).Symbol);
        Assert.Equal("Zoë", TetherCodec.Decode<Quote>(accented, options).Symbol);

        byte[] valid = TetherCodec.ToArray(new Quote("ABCD", 1.5));
        Assert.Equal("ABCD", TetherCodec.Decode<Quote>(valid, options).Symbol); // now remembered
        byte[] invalid = (byte[])valid.Clone();
        invalid[invalid.AsSpan().IndexOf("ABCD"u8) + 1] = 0xC3;
        var error = Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Quote>(invalid, options));
        Assert.Equal(TetherErrorCode.DecodeInvalidUtf8, error.Code);
    }

    [Fact]
    public void Decoders_on_several_threads_sharing_one_pool_each_get_their_own_values()
    {
        // 512 values into 1,024 slots: many share a slot, so threads keep replacing each other's entries.
        string[] values = [.. Enumerable.Range(0, 512).Select(static i => $"V{i:X4}.{(char)('A' + (i % 26))}")];
        byte[][] encoded = [.. values.Select(static v => TetherCodec.ToArray(new Quote(v, 1)))];
        var options = new DecodeOptions { StringPool = new StringPool() };
        int wrong = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            for (int round = 0; round < 200; round++)
            {
                for (int i = (worker * 131) % values.Length, n = 0; n < values.Length; n++, i = (i + 1) % values.Length)
                {
                    if (TetherCodec.Decode<Quote>(encoded[i], options).Symbol != values[i])
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            }
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public async Task A_server_with_a_decode_string_pool_hands_handlers_one_instance_per_value()
    {
        var sink = new QuoteSink();
        await using var server = new TetherServer(new TetherServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            DecodeStringPool = new StringPool(),
        });
        server.AddHandler(sink);
        await server.StartAsync();
        await using TetherClient client = await TetherClient.ConnectAsync(server.LocalEndPoint!);

        for (int i = 0; i < 3; i++)
        {
            await client.RequestAsync<Quote, QuoteSeen>(new Quote("MSFT.OQ", i)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(3, sink.Symbols.Count);
        Assert.All(sink.Symbols, symbol => Assert.Same(sink.Symbols[0], symbol));
    }

    private static long Allocated(Func<Quote> decode)
    {
        _ = decode();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            _ = decode();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
    }
}
