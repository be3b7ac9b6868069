namespace Tether;

/// <summary>Sizing of a <see cref="TieredMemoryPool"/>.</summary>
public sealed class TieredMemoryPoolOptions
{
    /// <summary>Block size of each tier, ascending. A request is served by the smallest tier that fits.</summary>
    /// <remarks>Defaults to 1 KiB, 8 KiB and 64 KiB. Requests above the largest tier get an unpooled array.</remarks>
    public IReadOnlyList<int> BlockSizes { get; set; } = [1024, 8 * 1024, 64 * 1024];

    /// <summary>How many bytes each tier aims to keep at most; growth slows as a tier nears it (2.0, 1.5, 1.2, 1.1).</summary>
    /// <remarks>Defaults to 16 MiB per tier. Blocks rented past the target are dropped on return rather than kept.</remarks>
    public long TargetBytesPerTier { get; set; } = 16L * 1024 * 1024;

    /// <summary>Blocks a tier allocates the first time it is used.</summary>
    /// <remarks>Defaults to 8.</remarks>
    public int InitialBlocksPerTier { get; set; } = 8;

    /// <summary>A tier grows ahead of demand once this share of its blocks is rented.</summary>
    /// <remarks>Defaults to 0.8.</remarks>
    public double GrowUtilisation { get; set; } = 0.8;

    /// <summary>A tier whose utilisation stays under this share for <see cref="ShrinkAfter"/> releases idle blocks.</summary>
    /// <remarks>Defaults to 0.2.</remarks>
    public double ShrinkUtilisation { get; set; } = 0.2;

    /// <summary>How long utilisation must stay low before a tier shrinks.</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan ShrinkAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often utilisation is sampled for shrinking; <see cref="TimeSpan.Zero"/> turns shrinking off.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (BlockSizes.Count == 0)
        {
            throw new ArgumentException("At least one block size is required.", nameof(BlockSizes));
        }

        for (int i = 0; i < BlockSizes.Count; i++)
        {
            if (BlockSizes[i] < 256 || (i > 0 && BlockSizes[i] <= BlockSizes[i - 1]))
            {
                throw new ArgumentException("Block sizes must be at least 256 bytes and strictly ascending.", nameof(BlockSizes));
            }
        }

        Check(TargetBytesPerTier >= BlockSizes[^1], "TargetBytesPerTier must hold at least one block of the largest tier.");
        Check(InitialBlocksPerTier is >= 1 and <= 4096, "InitialBlocksPerTier must be between 1 and 4096.");
        Check(GrowUtilisation is > 0 and <= 1, "GrowUtilisation must be in (0, 1].");
        Check(ShrinkUtilisation >= 0 && ShrinkUtilisation < GrowUtilisation, "ShrinkUtilisation must be in [0, GrowUtilisation).");
        Check(SampleInterval >= TimeSpan.Zero && ShrinkAfter >= TimeSpan.Zero, "Intervals cannot be negative.");

        static void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new ArgumentException(message);
            }
        }
    }
}
