using System.ComponentModel.DataAnnotations;

namespace Tether.Storage;

/// <summary>Where and how a <see cref="DurableStore"/> keeps its log segments and snapshots.</summary>
public sealed class DurableStoreOptions
{
    /// <summary>The directory (created if missing) that holds the lock file, the log segments and the snapshots. One store per directory.</summary>
    /// <remarks>Defaults to none: required.</remarks>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>When an append counts as done: <see cref="DurabilityMode.Always"/> (on disk first), <see cref="DurabilityMode.Batched"/> or <see cref="DurabilityMode.None"/>.</summary>
    /// <remarks>Defaults to <see cref="DurabilityMode.Always"/>.</remarks>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Always;

    /// <summary>With <see cref="DurabilityMode.Batched"/>, the longest a written record waits for its flush to disk (between 1 ms and 1 minute).</summary>
    /// <remarks>Defaults to 5 ms.</remarks>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A segment is closed and a new one started once it passes this size.</summary>
    /// <remarks>Defaults to 64 MiB.</remarks>
    [Range(4096, long.MaxValue)]
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// A snapshot is taken in the background once the log since the last one passes this size, after which the segments
    /// it covers are deleted; 0 takes snapshots only when asked (<see cref="DurableStore.SnapshotAsync"/>).
    /// </summary>
    /// <remarks>Defaults to 256 MiB.</remarks>
    [Range(0, long.MaxValue)]
    public long SnapshotAfterBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Appended bytes waiting for their write beyond which appenders wait for the write even in
    /// <see cref="DurabilityMode.Batched"/> and <see cref="DurabilityMode.None"/>: memory stays bounded when the disk is
    /// slower than the writers.
    /// </summary>
    /// <remarks>Defaults to 16 MiB.</remarks>
    [Range(65536, int.MaxValue)]
    public int MaxPendingBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Test seam: the file operations (a fault-injecting layer in tests); null is the real file system.</summary>
    internal StorageFileSystem? FileSystem { get; set; }
}
