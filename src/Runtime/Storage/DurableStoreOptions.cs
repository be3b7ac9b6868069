using System.ComponentModel.DataAnnotations;

namespace Tether.Storage;

/// <summary>Where and how a <see cref="DurableStore"/> keeps its log segments and snapshots.</summary>
public sealed class DurableStoreOptions
{
    /// <summary>The directory (created if missing) that holds the lock file, the log segments and the snapshots. One store per directory.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>When an append counts as done (default <see cref="DurabilityMode.Always"/>: on disk first).</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Always;

    /// <summary>With <see cref="DurabilityMode.Batched"/>, the longest an appended record waits before its flush (default 5 ms; between 1 ms and 1 minute).</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A segment is closed and a new one started once it passes this size (default 64 MiB).</summary>
    [Range(4096, long.MaxValue)]
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// A snapshot is taken in the background once the log since the last one passes this size (default 256 MiB), after
    /// which the segments it covers are deleted; 0 takes snapshots only when asked (<see cref="DurableStore.SnapshotAsync"/>).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long SnapshotAfterBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Appended bytes waiting for their write beyond which appenders wait for the flush even in
    /// <see cref="DurabilityMode.Batched"/> and <see cref="DurabilityMode.None"/> (default 16 MiB): memory stays bounded
    /// when the disk is slower than the writers.
    /// </summary>
    [Range(65536, int.MaxValue)]
    public int MaxPendingBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Test seam: the file operations (a fault-injecting layer in tests); null is the real file system.</summary>
    internal StorageFileSystem? FileSystem { get; set; }
}
