using System.Buffers;

namespace Tether.Pooling;

/// <summary>A pinned block owned by a <see cref="PoolTier"/>; the same object is handed out again after each return.</summary>
internal sealed class PooledBlock : IMemoryOwner<byte>
{
    private readonly PoolTier _tier;
    private readonly byte[] _array;
    private int _rented;

    /// <summary>A block allocated past the tier's target: counted as a miss and dropped on return.</summary>
    public PooledBlock(PoolTier tier, int size)
        : this(tier, size, surplus: true)
    {
    }

    public PooledBlock(PoolTier tier, int size, bool surplus)
    {
        _tier = tier;
        _array = GC.AllocateUninitializedArray<byte>(size, pinned: !surplus);
        IsSurplus = surplus;
    }

    public bool IsSurplus { get; }

    public Memory<byte> Memory => _array;

    public void MarkRented() => Volatile.Write(ref _rented, 1);

    public void Dispose()
    {
        // A double dispose must not put the block in the idle queue twice (two renters would share it).
        if (Interlocked.Exchange(ref _rented, 0) == 1)
        {
            _tier.Return(this);
        }
    }
}
