using System.Collections.Concurrent;
using Tether.Conformance.Tests.Support;
using Tether.Framing;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Frame compression on every transport (decision 0023): negotiated per session, applied above the threshold, bombs refused.</summary>
public abstract partial class ConformanceSuite
{
    private static readonly string Compressible = string.Concat(Enumerable.Range(0, 3000).Select(static i => $"line {i % 50}: the quick brown fox; "));

    [Theory]
    [InlineData(CompressionAlgorithm.Zstd)]
    [InlineData(CompressionAlgorithm.Lz4)]
    [InlineData(CompressionAlgorithm.Brotli)]
    [InlineData(CompressionAlgorithm.GZip)]
    public async Task Compression_is_negotiated_and_large_frames_travel_compressed_both_ways(CompressionAlgorithm algorithm)
    {
        var serverSent = new ConcurrentQueue<MessageEvent>();
        var clientSent = new ConcurrentQueue<MessageEvent>();
        await using Harness harness = await StartAsync(o => o.Hooks = new TetherHooks { MessageSent = (TetherPeer _, in MessageEvent m) => serverSent.Enqueue(m) });
        TetherClient client = await harness.ConnectAsync(o =>
        {
            o.Compression.Algorithms = [algorithm];
            o.Hooks = new TetherHooks { MessageSent = (TetherPeer _, in MessageEvent m) => clientSent.Enqueue(m) };
        });
        Assert.Equal(algorithm, client.Contract!.Compression);
        Assert.Equal(algorithm, harness.Server.Sessions.Single().Contract!.Compression);

        EchoReply large = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, Compressible)).Within();
        EchoReply small = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, "short")).Within();
        byte[] noise = new byte[8192];
        new Random(3).NextBytes(noise);
        Payload mirrored = await client.RequestAsync<Payload, Payload>(new Payload(noise)).Within();

        Assert.Equal(Compressible, large.Text);
        Assert.Equal("short", small.Text);
        Assert.Equal(noise, mirrored.Data);
        MessageEvent[] requests = [.. clientSent.Where(static m => m.Kind == MessageEventKind.Request)];
        Assert.InRange(requests[0].Length, 1, Compressible.Length / 4); // compressed
        Assert.InRange(requests[1].Length, 1, 100); // under the threshold: as it is
        Assert.InRange(requests[2].Length, noise.Length, noise.Length + 64); // incompressible: sent as it is
        await harness.WaitForSessionChangeAsync(() => serverSent.Count(static m => m.Kind == MessageEventKind.Reply) == 3);
        Assert.InRange(serverSent.First(static m => m.Kind == MessageEventKind.Reply).Length, 1, Compressible.Length / 4);
    }

    [Fact]
    public async Task Without_an_offer_or_an_accepted_algorithm_nothing_is_compressed()
    {
        await using Harness harness = await StartAsync(o => o.Compression.Algorithms = [CompressionAlgorithm.Brotli]);
        TetherClient plain = await harness.ConnectAsync();
        TetherClient mismatched = await harness.ConnectAsync(o => o.Compression.Algorithms = [CompressionAlgorithm.Lz4, CompressionAlgorithm.Zstd]);
        TetherClient agreed = await harness.ConnectAsync(o => o.Compression.Algorithms = [CompressionAlgorithm.Lz4, CompressionAlgorithm.Brotli]);

        Assert.Equal(CompressionAlgorithm.None, plain.Contract!.Compression);
        Assert.Equal(CompressionAlgorithm.None, mismatched.Contract!.Compression);
        Assert.Equal(CompressionAlgorithm.Brotli, agreed.Contract!.Compression); // the client's first that the server accepts
        Assert.Equal(Compressible, (await mismatched.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, Compressible)).Within()).Text);
    }

    [Theory]
    [InlineData(64 * 1024 * 1024, TetherErrorCode.DecompressedTooLarge)] // declares more than the server's frame limit
    [InlineData(100, TetherErrorCode.DecompressionFailed)] // declares less than it inflates to
    public async Task A_compression_bomb_or_a_lying_payload_disconnects_that_peer_only(int declared, TetherErrorCode expected)
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await attacker.ReadFrameAsync())?.Header.Type);

        // A megabyte of zeros, Zstd-compressed to a few dozen bytes, sent as a request's compressed payload.
        using var zstd = new ZstdSharp.Compressor(19);
        byte[] zeros = new byte[1 << 20];
        byte[] data = zstd.Wrap(zeros).ToArray();
        var payload = new List<byte> { (byte)CompressionAlgorithm.Zstd };
        for (uint v = (uint)declared; ; v >>= 7)
        {
            payload.Add((byte)(v < 0x80 ? v : (v & 0x7F) | 0x80));
            if (v < 0x80)
            {
                break;
            }
        }

        payload.AddRange(data);
        await attacker.SendFrameAsync(FrameType.Request, 1, 1, payload.ToArray(), FrameFlags.Compressed);

        FrameHeader? goAway = await attacker.ReadUntilClosedAsync();
        Assert.Equal((int)expected, goAway?.MessageId);
        Assert.Equal(new EchoReply(3, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(3, "fine")).Within());
    }
}
