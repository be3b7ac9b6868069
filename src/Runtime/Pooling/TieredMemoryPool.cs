using System.Buffers;

using Tether.Pooling;

namespace Tether;

/// <summary>
/// A <see cref="MemoryPool{T}"/> of pinned blocks in size tiers (default 1 KiB / 8 KiB / 64 KiB), used by every
/// connection's pipes. Tiers grow by a factor that decreases as they near their target (2.0 → 1.5 → 1.2 → 1.1),
/// grow ahead of demand above 80 % utilisation, and release idle blocks after utilisation stays under 20 % for
/// five minutes. Renting and returning allocate nothing once a tier has grown to its working set.
/// </summary>
/// <remarks>
/// Blocks are allocated on the pinned object heap so sockets can use them without pinning per I/O.
/// Oversize requests (above the largest tier) are served by plain arrays and counted.
/// </remarks>
public sealed class TieredMemoryPool : MemoryPool<byte>
{
    private readonly PoolTier[] _tiers;
    private readonly ITimer? _sampler;
    private long _oversizeRents;
    private int _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="options">Sizing; defaults when null.</param>
    /// <param name="timeProvider">Clock for shrink sampling; <see cref="TimeProvider.System"/> when null.</param>
    public TieredMemoryPool(TieredMemoryPoolOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new TieredMemoryPoolOptions();
        options.Validate();
        TimeProvider clock = timeProvider ?? TimeProvider.System;
        _tiers = new PoolTier[options.BlockSizes.Count];
        for (int i = 0; i < _tiers.Length; i++)
        {
            _tiers[i] = new PoolTier(this, options.BlockSizes[i], options, clock);
        }

        if (options.SampleInterval > TimeSpan.Zero)
        {
            _sampler = clock.CreateTimer(static state => ((TieredMemoryPool)state!).Sample(), this, options.SampleInterval, options.SampleInterval);
        }
    }

    /// <summary>A process-wide pool with default options, shared by transports that are given none.</summary>
    public static TieredMemoryPool Default { get; } = new();

    /// <inheritdoc />
    public override int MaxBufferSize => _tiers[^1].BlockSize;

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int size = minBufferSize < 0 ? _tiers[0].BlockSize : minBufferSize;
        foreach (PoolTier tier in _tiers)
        {
            if (size <= tier.BlockSize)
            {
                return tier.Rent();
            }
        }

        Interlocked.Increment(ref _oversizeRents);
        return new UnpooledBlock(size);
    }

    /// <summary>A snapshot of rents, hit rate, bytes held, expansions and shrinks.</summary>
    public MemoryPoolStatistics GetStatistics()
    {
        var tiers = new TierStatistics[_tiers.Length];
        for (int i = 0; i < tiers.Length; i++)
        {
            tiers[i] = _tiers[i].GetStatistics();
        }

        return new MemoryPoolStatistics(tiers, Interlocked.Read(ref _oversizeRents));
    }

    /// <summary>Samples utilisation now (the timer does this every <see cref="TieredMemoryPoolOptions.SampleInterval"/>).</summary>
    public void Sample()
    {
        foreach (PoolTier tier in _tiers)
        {
            tier.Sample();
        }
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
        {
            _sampler?.Dispose();
        }
    }

    private sealed class UnpooledBlock(int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; private set; } = GC.AllocateUninitializedArray<byte>(size);

        public void Dispose() => Memory = default;
    }
}
