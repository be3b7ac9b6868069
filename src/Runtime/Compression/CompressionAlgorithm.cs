namespace Tether;

/// <summary>How a session compresses large frames (<see cref="CompressionOptions"/>; its id is what travels on the wire).</summary>
public enum CompressionAlgorithm : byte
{
    /// <summary>No compression.</summary>
    None = 0,

    /// <summary>Brotli (the BCL's <c>BrotliEncoder</c>): the smallest output, the slowest.</summary>
    Brotli = 1,

    /// <summary>GZip (the BCL's <c>GZipStream</c>): for peers that know nothing newer.</summary>
    GZip = 2,

    /// <summary>Zstandard (ZstdSharp): close to Brotli's size at several times its speed.</summary>
    Zstd = 3,

    /// <summary>LZ4 (K4os): the fastest, with the least reduction.</summary>
    Lz4 = 4,
}
