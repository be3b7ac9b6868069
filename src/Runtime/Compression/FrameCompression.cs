using System.Buffers;
using System.IO.Compression;
using K4os.Compression.LZ4;
using Tether.Framing;

namespace Tether.Compression;

/// <summary>
/// A session's frame compression (decision 0023): which algorithm, from what size, how hard. A compressed payload is
/// <c>[algorithm: 1 byte][uncompressed length: varuint][compressed bytes]</c> and its frame carries
/// <see cref="FrameFlags.Compressed"/>; the algorithm travels with each frame, so a receiver needs no session state to
/// read it (a durable session restored from its journal reads its client's frames as before).
/// </summary>
internal sealed class FrameCompression(CompressionAlgorithm algorithm, int threshold, CompressionLevel level)
{
    public CompressionAlgorithm Algorithm { get; } = algorithm;

    /// <summary>Whether a frame of <paramref name="type"/> with a payload of <paramref name="length"/> bytes is compressed.</summary>
    public bool Applies(FrameType type, int length) =>
        length >= threshold && length > 0 && type is FrameType.Request or FrameType.Response or FrameType.Message or FrameType.StreamItem or FrameType.InputItem;

    /// <summary>The most bytes a compressed payload of <paramref name="length"/> bytes can take.</summary>
    public int MaxPayloadSize(int length) => 1 + 5 + Algorithm switch
    {
        CompressionAlgorithm.Brotli => BrotliEncoder.GetMaxCompressedLength(length),
        CompressionAlgorithm.Zstd => ZstdSharp.Compressor.GetCompressBound(length),
        CompressionAlgorithm.Lz4 => LZ4Codec.MaximumOutputSize(length),
        _ => length + (length / 8) + 128, // GZip: stored blocks at worst, plus header and trailer
    };

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/> as a compressed payload; 0 when that would not be smaller.</summary>
    public int Compress(ReadOnlySpan<byte> source, byte[] destination)
    {
        destination[0] = (byte)Algorithm;
        int prefix = 1 + WriteVarUInt32(destination.AsSpan(1), (uint)source.Length);
        Span<byte> output = destination.AsSpan(prefix, Math.Min(destination.Length - prefix, source.Length - prefix - 1));
        if (output.Length <= 0)
        {
            return 0;
        }

        int written = Algorithm switch
        {
            CompressionAlgorithm.Brotli => BrotliEncoder.TryCompress(source, output, out int brotli, BrotliQuality(level), 22) ? brotli : 0,
            CompressionAlgorithm.Zstd => ZstdCodec.Compress(source, output, level),
            CompressionAlgorithm.Lz4 => Math.Max(0, LZ4Codec.Encode(source, output, Lz4Level(level))),
            _ => GZipCompress(source, destination, prefix, output.Length, level),
        };
        return written > 0 ? prefix + written : 0;
    }

    /// <summary>
    /// Inflates a compressed payload into a pooled buffer of at most <paramref name="maxLength"/> bytes (the receiver's
    /// frame limit). The declared length is checked before anything is allocated, and the output can never grow past it.
    /// </summary>
    /// <returns><see cref="TetherErrorCode.None"/>, <see cref="TetherErrorCode.DecompressedTooLarge"/> or <see cref="TetherErrorCode.DecompressionFailed"/>.</returns>
    public static TetherErrorCode TryInflate(in ReadOnlySequence<byte> payload, int maxLength, out byte[]? buffer, out int length, out string? problem)
    {
        buffer = null;
        length = 0;
        var reader = new SequenceReader<byte>(payload);
        if (!reader.TryRead(out byte id) || !TryReadVarUInt32(ref reader, out uint declared))
        {
            problem = "A compressed payload ends before its algorithm and length.";
            return TetherErrorCode.DecompressionFailed;
        }

        var algorithm = (CompressionAlgorithm)id;
        if (algorithm is CompressionAlgorithm.None or > CompressionAlgorithm.Lz4)
        {
            problem = $"Unknown compression algorithm {id}.";
            return TetherErrorCode.DecompressionFailed;
        }

        if (declared > (uint)maxLength)
        {
            problem = $"A compressed payload claims {declared:N0} bytes uncompressed; the limit is {maxLength:N0}.";
            return TetherErrorCode.DecompressedTooLarge;
        }

        ReadOnlySequence<byte> data = payload.Slice(reader.Position);
        byte[]? flat = null;
        ReadOnlySpan<byte> source;
        if (data.IsSingleSegment)
        {
            source = data.FirstSpan;
        }
        else
        {
            flat = ArrayPool<byte>.Shared.Rent((int)data.Length);
            data.CopyTo(flat);
            source = flat.AsSpan(0, (int)data.Length);
        }

        byte[] output = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)declared));
        try
        {
            // One byte of room past the declared length: a payload that fills it lied about its size.
            Span<byte> target = output.AsSpan(0, Math.Min(output.Length, (int)declared + 1));
            int produced = algorithm switch
            {
                CompressionAlgorithm.Brotli => BrotliDecoder.TryDecompress(source, target, out int brotli) ? brotli : -1,
                CompressionAlgorithm.Zstd => ZstdCodec.Decompress(source, target),
                CompressionAlgorithm.Lz4 => LZ4Codec.Decode(source, target),
                _ => GZipDecompress(source, target),
            };
            if (produced != (int)declared)
            {
                ArrayPool<byte>.Shared.Return(output);
                problem = produced < 0
                    ? $"A {algorithm} payload is damaged or inflates past its declared {declared:N0} bytes."
                    : $"A {algorithm} payload inflated to {produced:N0} bytes, not the {declared:N0} it declared.";
                return TetherErrorCode.DecompressionFailed;
            }
        }
        finally
        {
            if (flat is not null)
            {
                ArrayPool<byte>.Shared.Return(flat);
            }
        }

        buffer = output;
        length = (int)declared;
        problem = null;
        return TetherErrorCode.None;
    }

    private static int WriteVarUInt32(Span<byte> destination, uint value)
    {
        int at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[at++] = (byte)value;
        return at;
    }

    private static bool TryReadVarUInt32(ref SequenceReader<byte> reader, out uint value)
    {
        value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }

            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return shift < 28 || b < 0x10;
            }
        }

        return false;
    }

    private static int BrotliQuality(CompressionLevel level) => level switch
    {
        CompressionLevel.SmallestSize => 11,
        CompressionLevel.Optimal => 4,
        _ => 1,
    };

    private static LZ4Level Lz4Level(CompressionLevel level) => level switch
    {
        CompressionLevel.SmallestSize => LZ4Level.L12_MAX,
        CompressionLevel.Optimal => LZ4Level.L09_HC,
        _ => LZ4Level.L00_FAST,
    };

    private static int GZipCompress(ReadOnlySpan<byte> source, byte[] destination, int offset, int room, CompressionLevel level)
    {
        using var target = new MemoryStream(destination, offset, room, writable: true);
        try
        {
            using (var gzip = new GZipStream(target, level == CompressionLevel.NoCompression ? CompressionLevel.Fastest : level, leaveOpen: true))
            {
                gzip.Write(source);
            }

            return (int)target.Position;
        }
        catch (NotSupportedException)
        {
            return 0; // it did not fit: larger than the input
        }
    }

    private static int GZipDecompress(ReadOnlySpan<byte> source, Span<byte> target)
    {
        byte[] input = source.ToArray(); // GZipStream reads a stream; the slow algorithm pays a copy
        try
        {
            using var gzip = new GZipStream(new MemoryStream(input, writable: false), CompressionMode.Decompress);
            int total = 0;
            while (total < target.Length)
            {
                int read = gzip.Read(target[total..]);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }
        catch (InvalidDataException)
        {
            return -1;
        }
    }

    /// <summary>Zstandard through ZstdSharp: one compressor and decompressor per thread (their contexts are costly to create and not thread-safe).</summary>
    private static class ZstdCodec
    {
        [ThreadStatic]
        private static ZstdSharp.Compressor? t_compressor;

        [ThreadStatic]
        private static int t_level;

        [ThreadStatic]
        private static ZstdSharp.Decompressor? t_decompressor;

        public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, CompressionLevel level)
        {
            int zstdLevel = level switch
            {
                CompressionLevel.SmallestSize => 19,
                CompressionLevel.Optimal => 3,
                _ => 1,
            };
            if (t_compressor is null || t_level != zstdLevel)
            {
                t_compressor?.Dispose();
                t_compressor = new ZstdSharp.Compressor(zstdLevel);
                t_level = zstdLevel;
            }

            return t_compressor.TryWrap(source, destination, out int written) ? written : 0;
        }

        public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            t_decompressor ??= new ZstdSharp.Decompressor();
            try
            {
                return t_decompressor.TryUnwrap(source, destination, out int written) ? written : -1;
            }
            catch (ZstdSharp.ZstdException)
            {
                return -1;
            }
        }
    }
}
