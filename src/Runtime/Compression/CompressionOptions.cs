using System.IO.Compression;

namespace Tether;

/// <summary>
/// Frame compression, negotiated per session (<c>docs/decisions/0023-compression.md</c>): a client offers the algorithms
/// in <see cref="Algorithms"/> in its order of preference, the server takes the first it also lists, and from then on
/// both sides compress the payload of each request, reply, one-way message and stream item of at least
/// <see cref="Threshold"/> bytes, flagging it per frame, whenever that makes it smaller. A receiver never inflates a
/// payload past its own maximum frame size: a peer that tries is disconnected with
/// <see cref="TetherErrorCode.DecompressedTooLarge"/>.
/// </summary>
public sealed class CompressionOptions
{
    /// <summary>
    /// Client: the algorithms offered, most preferred first (empty: no compression). Server: the algorithms it accepts,
    /// most preferred first (empty: it accepts none).
    /// </summary>
    /// <remarks>Defaults to none on a client and to Zstd, LZ4, Brotli and GZip on a server.</remarks>
    public IList<CompressionAlgorithm> Algorithms { get; set; } = [];

    /// <summary>The smallest payload compressed; smaller ones are sent as they are (compression would cost more than it saves).</summary>
    /// <remarks>Defaults to 1,024 bytes.</remarks>
    public int Threshold { get; set; } = 1024;

    /// <summary>How hard to compress: Fastest (LZ4 fast, Zstd 1, Brotli 1, GZip fastest), Optimal (LZ4 HC 9, Zstd 3, Brotli 4) or SmallestSize (LZ4 HC max, Zstd 19, Brotli 11).</summary>
    /// <remarks>Defaults to Fastest.</remarks>
    public CompressionLevel Level { get; set; } = CompressionLevel.Fastest;

    internal static CompressionOptions ServerDefault() => new()
    {
        Algorithms = [CompressionAlgorithm.Zstd, CompressionAlgorithm.Lz4, CompressionAlgorithm.Brotli, CompressionAlgorithm.GZip],
    };

    internal IEnumerable<string> Problems()
    {
        if (Threshold < 0)
        {
            yield return "Compression.Threshold must be 0 or more.";
        }

        if (Algorithms is null || Algorithms.Any(static a => a is CompressionAlgorithm.None or > CompressionAlgorithm.Lz4))
        {
            yield return "Compression.Algorithms must list only Brotli, GZip, Zstd and Lz4.";
        }
    }
}
