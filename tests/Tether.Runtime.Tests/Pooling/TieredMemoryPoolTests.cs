using System.Buffers;
using Microsoft.Extensions.Time.Testing;

namespace Tether.Runtime.Tests.Pooling;

public sealed class TieredMemoryPoolTests
{
    private static TieredMemoryPool Create(FakeTimeProvider? clock = null, long target = 1024 * 1024) => new(
        new TieredMemoryPoolOptions { BlockSizes = [1024, 8192], TargetBytesPerTier = target, InitialBlocksPerTier = 4, SampleInterval = TimeSpan.FromSeconds(30) },
        clock ?? new FakeTimeProvider());

    [Fact]
    public void Requests_go_to_the_smallest_tier_that_fits_and_oversize_is_counted()
    {
        using TieredMemoryPool pool = Create();
        using IMemoryOwner<byte> small = pool.Rent(100);
        using IMemoryOwner<byte> middle = pool.Rent(5000);
        using IMemoryOwner<byte> huge = pool.Rent(100_000);

        Assert.Equal(1024, small.Memory.Length);
        Assert.Equal(8192, middle.Memory.Length);
        Assert.True(huge.Memory.Length >= 100_000);
        MemoryPoolStatistics stats = pool.GetStatistics();
        Assert.Equal(1, stats.OversizeRents);
        Assert.Equal(1, stats.Tiers[0].BlocksRented);
        Assert.Equal(1, stats.Tiers[1].BlocksRented);
    }

    [Fact]
    public void Returned_blocks_are_reused_without_allocating_and_count_as_hits()
    {
        using TieredMemoryPool pool = Create();
        for (int i = 0; i < 100; i++)
        {
            pool.Rent(1000).Dispose(); // warm
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            pool.Rent(1000).Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        TierStatistics tier = pool.GetStatistics().Tiers[0];
        Assert.True(tier.HitRate > 0.99, $"hit rate {tier.HitRate}");
        Assert.Equal(0, tier.BlocksRented);
    }

    [Fact]
    public void Growth_factor_decreases_as_a_tier_nears_its_target_and_stops_there()
    {
        using TieredMemoryPool pool = Create(target: 64 * 1024); // 64 blocks of 1 KiB
        var rented = new List<IMemoryOwner<byte>>();
        var held = new List<long>();
        for (int i = 0; i < 80; i++)
        {
            rented.Add(pool.Rent(1000));
            long now = pool.GetStatistics().Tiers[0].BlocksHeld;
            if (held.Count == 0 || held[^1] != now)
            {
                held.Add(now);
            }
        }

        // 4 initial, then ×2 while under a quarter of the target, ×1.5 under half, ×1.2 under three quarters, ×1.1 after.
        Assert.Equal(4, held[0]);
        Assert.Equal(64, held[^1]);
        for (int i = 1; i < held.Count; i++)
        {
            double factor = (double)held[i] / held[i - 1];
            double nearness = (double)held[i - 1] / 64;
            double expected = nearness < 0.25 ? 2.0 : nearness < 0.5 ? 1.5 : nearness < 0.75 ? 1.2 : 1.1;
            double rounding = 1.0 / held[i - 1]; // growth rounds up to whole blocks
            Assert.True(factor <= expected + rounding + 1e-9 && (factor >= expected - 0.35 || held[i] == 64), $"step {held[i - 1]} -> {held[i]} (factor {factor:F2}, expected {expected})");
        }

        Assert.Equal(64, pool.GetStatistics().Tiers[0].BlocksHeld); // past the target: surplus blocks, not held
        rented.ForEach(static r => r.Dispose());
        Assert.Equal(64, pool.GetStatistics().Tiers[0].BlocksHeld); // surplus dropped on return
    }

    [Fact]
    public void Tier_shrinks_only_after_utilisation_stays_low_for_the_configured_time()
    {
        var clock = new FakeTimeProvider();
        using TieredMemoryPool pool = Create(clock);
        var rented = Enumerable.Range(0, 40).Select(_ => pool.Rent(1000)).ToList();
        rented.ForEach(static r => r.Dispose());
        long grown = pool.GetStatistics().Tiers[0].BlocksHeld;
        using IMemoryOwner<byte> keep = pool.Rent(1000);

        // Sampled every 30 s: the first low sample starts the clock; five minutes later the tier shrinks.
        int samplesUntilShrink = 0;
        while (pool.GetStatistics().Tiers[0].Shrinks == 0 && samplesUntilShrink < 100)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            samplesUntilShrink++;
        }

        Assert.Equal(11, samplesUntilShrink); // first low sample at 30 s, shrink at 5 min 30 s
        TierStatistics after = pool.GetStatistics().Tiers[0];
        Assert.True(after.BlocksHeld < grown, $"{after.BlocksHeld} of {grown}");
        Assert.Equal(1, after.Shrinks);
        Assert.True(after.BlocksHeld >= 4);
    }

    [Fact]
    public void Disposing_a_rented_block_twice_does_not_hand_it_out_twice()
    {
        using TieredMemoryPool pool = Create();
        IMemoryOwner<byte> block = pool.Rent(1000);
        block.Dispose();
        block.Dispose();

        IMemoryOwner<byte> a = pool.Rent(1000), b = pool.Rent(1000);
        Assert.NotSame(a, b);
    }
}
