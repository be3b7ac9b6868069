namespace Tether;

/// <summary>A snapshot of one tier of a <see cref="TieredMemoryPool"/>.</summary>
/// <param name="BlockSize">Bytes per block.</param>
/// <param name="Rents">Blocks handed out.</param>
/// <param name="Hits">Rents served from an idle block.</param>
/// <param name="Expansions">Times the tier allocated new blocks.</param>
/// <param name="Shrinks">Times the tier released idle blocks.</param>
/// <param name="BlocksHeld">Blocks the tier owns (idle + rented).</param>
/// <param name="BlocksRented">Blocks currently rented.</param>
public readonly record struct TierStatistics(int BlockSize, long Rents, long Hits, long Expansions, long Shrinks, long BlocksHeld, long BlocksRented)
{
    /// <summary>Share of rents served without allocating (0 when nothing was rented).</summary>
    public double HitRate => Rents == 0 ? 0 : (double)Hits / Rents;

    /// <summary>Share of held blocks currently rented.</summary>
    public double Utilisation => BlocksHeld == 0 ? 0 : (double)BlocksRented / BlocksHeld;

    /// <summary>Bytes the tier owns.</summary>
    public long BytesHeld => BlocksHeld * BlockSize;
}

/// <summary>A snapshot of a <see cref="TieredMemoryPool"/>.</summary>
/// <param name="Tiers">Per-tier figures, smallest block first.</param>
/// <param name="OversizeRents">Requests above the largest tier (served by unpooled arrays).</param>
public sealed record MemoryPoolStatistics(IReadOnlyList<TierStatistics> Tiers, long OversizeRents)
{
    /// <summary>All rents, pooled and oversize.</summary>
    public long Rents => Tiers.Sum(static t => t.Rents) + OversizeRents;

    /// <summary>Share of all rents served from an idle block.</summary>
    public double HitRate => Rents == 0 ? 0 : (double)Tiers.Sum(static t => t.Hits) / Rents;

    /// <summary>Bytes held by every tier.</summary>
    public long BytesHeld => Tiers.Sum(static t => t.BytesHeld);

    /// <summary>Expansions over all tiers.</summary>
    public long Expansions => Tiers.Sum(static t => t.Expansions);

    /// <summary>Shrinks over all tiers.</summary>
    public long Shrinks => Tiers.Sum(static t => t.Shrinks);
}
