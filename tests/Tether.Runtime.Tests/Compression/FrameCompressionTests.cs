using System.Buffers;
using System.IO.Compression;
using Tether.Compression;
using Tether.Framing;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Compression;

/// <summary>Compressed payloads: every algorithm and level round-trips; damaged, lying and oversized payloads are refused by code.</summary>
public sealed class FrameCompressionTests
{
    private static readonly byte[] Text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(static i => $"order {i % 37} for customer {i % 11}; ")));

    public static TheoryData<CompressionAlgorithm, CompressionLevel> Everything()
    {
        var data = new TheoryData<CompressionAlgorithm, CompressionLevel>();
        foreach (CompressionAlgorithm algorithm in new[] { CompressionAlgorithm.Brotli, CompressionAlgorithm.GZip, CompressionAlgorithm.Zstd, CompressionAlgorithm.Lz4 })
        {
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize })
            {
                data.Add(algorithm, level);
            }
        }

        return data;
    }

    private static byte[] Compress(CompressionAlgorithm algorithm, byte[] source, CompressionLevel level = CompressionLevel.Fastest)
    {
        var compression = new FrameCompression(algorithm, 1, level);
        byte[] packed = new byte[compression.MaxPayloadSize(source.Length)];
        int written = compression.Compress(source, packed);
        return packed.AsSpan(0, written).ToArray();
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void A_compressible_payload_shrinks_and_inflates_to_itself_whole_or_split(CompressionAlgorithm algorithm, CompressionLevel level)
    {
        byte[] packed = Compress(algorithm, Text, level);

        Assert.InRange(packed.Length, 1, Text.Length / 4);
        Assert.Equal((byte)algorithm, packed[0]);
        foreach (ReadOnlySequence<byte> split in Sequences.SampledSplits(packed))
        {
            Assert.Equal(TetherErrorCode.None, FrameCompression.TryInflate(split, Text.Length, out byte[]? buffer, out int length, out _));
            Assert.Equal(Text, buffer.AsSpan(0, length).ToArray());
            ArrayPool<byte>.Shared.Return(buffer!);
        }
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Brotli)]
    [InlineData(CompressionAlgorithm.GZip)]
    [InlineData(CompressionAlgorithm.Zstd)]
    [InlineData(CompressionAlgorithm.Lz4)]
    public void Random_bytes_are_not_compressed_since_that_would_not_make_them_smaller(CompressionAlgorithm algorithm)
    {
        byte[] noise = new byte[4096];
        new Random(7).NextBytes(noise);
        var compression = new FrameCompression(algorithm, 1, CompressionLevel.Fastest);

        Assert.Equal(0, compression.Compress(noise, new byte[compression.MaxPayloadSize(noise.Length)]));
    }

    [Fact]
    public void Only_payload_frames_at_or_over_the_threshold_are_compressed()
    {
        var compression = new FrameCompression(CompressionAlgorithm.Zstd, 1024, CompressionLevel.Fastest);

        Assert.True(compression.Applies(FrameType.Request, 1024));
        Assert.True(compression.Applies(FrameType.Response, 5000));
        Assert.True(compression.Applies(FrameType.Message, 5000));
        Assert.True(compression.Applies(FrameType.StreamItem, 5000));
        Assert.False(compression.Applies(FrameType.Request, 1023));
        Assert.False(compression.Applies(FrameType.Error, 5000));
        Assert.False(compression.Applies(FrameType.Hello, 5000));
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Brotli)]
    [InlineData(CompressionAlgorithm.GZip)]
    [InlineData(CompressionAlgorithm.Zstd)]
    [InlineData(CompressionAlgorithm.Lz4)]
    public void A_bomb_is_refused_before_inflating_and_a_payload_that_lies_about_its_size_is_refused(CompressionAlgorithm algorithm)
    {
        byte[] zeros = new byte[1 << 20];
        byte[] packed = Compress(algorithm, zeros);

        // The receiver's frame limit is below what the payload declares: refused from its prefix alone.
        Assert.Equal(TetherErrorCode.DecompressedTooLarge, FrameCompression.TryInflate(new ReadOnlySequence<byte>(packed), 64 * 1024, out byte[]? none, out _, out string? problem));
        Assert.Null(none);
        Assert.Contains("1,048,576", problem, StringComparison.Ordinal);

        // The same data declaring 1,000 bytes: the output cannot grow past 1,001, so the lie is found.
        byte[] lying = [(byte)algorithm, 0xE8, 0x07, .. packed.AsSpan(4)]; // 1,048,576 is 4 bytes of varuint after the id
        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>(lying), 1 << 21, out _, out _, out _));
    }

    [Fact]
    public void Damaged_truncated_and_unknown_payloads_are_refused_with_a_code()
    {
        byte[] packed = Compress(CompressionAlgorithm.Zstd, Text);
        byte[] damaged = (byte[])packed.Clone();
        for (int i = 8; i < damaged.Length; i += 7)
        {
            damaged[i] ^= 0x5A;
        }

        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>(damaged), 1 << 20, out _, out _, out _));
        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>(packed, 0, packed.Length / 2), 1 << 20, out _, out _, out _));
        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>([9, 4, 1, 2, 3, 4]), 1 << 20, out _, out _, out _));
        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>([3]), 1 << 20, out _, out _, out _));
        Assert.Equal(TetherErrorCode.DecompressionFailed, FrameCompression.TryInflate(new ReadOnlySequence<byte>([3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), 1 << 20, out _, out _, out _));
    }
}
