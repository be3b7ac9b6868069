using System.Net;
using System.Text;
using CommunityToolkit.HighPerformance.Buffers;

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
