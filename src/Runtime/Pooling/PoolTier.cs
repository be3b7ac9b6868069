using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tether.Pooling;

/// <summary>One block size of a <see cref="TieredMemoryPool"/>: idle blocks, growth and shrink policy, counters.</summary>
internal sealed class PoolTier
{
    private readonly TieredMemoryPool _owner;
    private readonly ConcurrentQueue<PooledBlock> _idle = new();
    private readonly TimeProvider _clock;
    private readonly long _targetBlocks;
    private readonly int _initialBlocks;
    private readonly double _growUtilisation;
    private readonly double _shrinkUtilisation;
    private readonly TimeSpan _shrinkAfter;
    private readonly Lock _growLock = new();
    private long _held;
    private long _rented;
    private long _rents;
    private long _hits;
    private long _expansions;
    private long _shrinks;
    private long _lowSince = -1;

    public PoolTier(TieredMemoryPool owner, int blockSize, TieredMemoryPoolOptions options, TimeProvider clock)
    {
        _owner = owner;
        BlockSize = blockSize;
        _clock = clock;
        _targetBlocks = Math.Max(1, options.TargetBytesPerTier / blockSize);
        _initialBlocks = (int)Math.Min(options.InitialBlocksPerTier, _targetBlocks);
        _growUtilisation = options.GrowUtilisation;
        _shrinkUtilisation = options.ShrinkUtilisation;
        _shrinkAfter = options.ShrinkAfter;
    }

    public int BlockSize { get; }

    public IMemoryOwner<byte> Rent()
    {
        Interlocked.Increment(ref _rents);
        long rented = Interlocked.Increment(ref _rented);
        if (_idle.TryDequeue(out PooledBlock? block))
        {
            Interlocked.Increment(ref _hits);
            if (rented >= Volatile.Read(ref _held) * _growUtilisation && Grow(rented) is { } extra)
            {
                _idle.Enqueue(extra);
            }
        }
        else
        {
            block = Grow(rented) ?? new PooledBlock(this, BlockSize);
        }

        block.MarkRented();
        return block;
    }

    public void Return(PooledBlock block)
    {
        long rented = Interlocked.Decrement(ref _rented);
        Debug.Assert(rented >= 0);
        if (_owner.IsDisposed || block.IsSurplus)
        {
            if (!block.IsSurplus)
            {
                Interlocked.Decrement(ref _held);
            }

            return;
        }

        _idle.Enqueue(block);
    }

    /// <summary>
    /// Adds blocks: the first growth allocates the initial count, later ones multiply what is held by a factor that
    /// shrinks as the tier nears its target. Returns one new block for the caller when it had none, or null
    /// when the target is reached (the caller then gets a surplus block that is dropped on return).
    /// </summary>
    private PooledBlock? Grow(long rented)
    {
        lock (_growLock)
        {
            long held = _held;
            if (held >= _targetBlocks)
            {
                return null;
            }

            // Another thread may have grown while we waited for the lock.
            if (held > 0 && rented < held * _growUtilisation && !_idle.IsEmpty)
            {
                return _idle.TryDequeue(out PooledBlock? spare) ? spare : null;
            }

            long wanted = held == 0 ? _initialBlocks : (long)Math.Ceiling(held * GrowthFactor(held));
            long add = Math.Clamp(wanted - held, 1, _targetBlocks - held);
            for (long i = 1; i < add; i++)
            {
                _idle.Enqueue(new PooledBlock(this, BlockSize, surplus: false));
            }

            Volatile.Write(ref _held, held + add);
            Interlocked.Increment(ref _expansions);
            return new PooledBlock(this, BlockSize, surplus: false);
        }
    }

    private double GrowthFactor(long held)
    {
        double nearness = (double)held / _targetBlocks;
        return nearness switch
        {
            < 0.25 => 2.0,
            < 0.5 => 1.5,
            < 0.75 => 1.2,
            _ => 1.1,
        };
    }

    /// <summary>Called periodically: releases idle blocks once utilisation has stayed low for the configured time.</summary>
    public void Sample()
    {
        long held = Volatile.Read(ref _held);
        long rented = Volatile.Read(ref _rented);
        if (held == 0 || rented >= held * _shrinkUtilisation)
        {
            Volatile.Write(ref _lowSince, -1);
            return;
        }

        long now = _clock.GetTimestamp();
        long since = Volatile.Read(ref _lowSince);
        if (since < 0)
        {
            Volatile.Write(ref _lowSince, now);
            return;
        }

        if (_clock.GetElapsedTime(since, now) < _shrinkAfter)
        {
            return;
        }

        // Release idle blocks until half of what remains is in use (never below the initial size).
        lock (_growLock)
        {
            long keep = Math.Max(_initialBlocks, Volatile.Read(ref _rented) * 2);
            long released = 0;
            while (Volatile.Read(ref _held) - released > keep && _idle.TryDequeue(out _))
            {
                released++;
            }

            if (released > 0)
            {
                Interlocked.Add(ref _held, -released);
                Interlocked.Increment(ref _shrinks);
            }
        }

        Volatile.Write(ref _lowSince, -1);
    }

    public TierStatistics GetStatistics() => new(
        BlockSize,
        Interlocked.Read(ref _rents),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _expansions),
        Interlocked.Read(ref _shrinks),
        Interlocked.Read(ref _held),
        Math.Max(0, Interlocked.Read(ref _rented)));
}
