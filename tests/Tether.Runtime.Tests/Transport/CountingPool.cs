using System.Buffers;

namespace Tether.Runtime.Tests.Transport;

/// <summary>A pool that knows how many of its blocks are out: what a transport holds, counted exactly.</summary>
internal sealed class CountingPool : MemoryPool<byte>
{
    private int _outstanding;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        Interlocked.Increment(ref _outstanding);
        return new Block(this, minBufferSize <= 0 ? 4096 : minBufferSize);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(CountingPool pool, int size) : IMemoryOwner<byte>
    {
        private byte[]? _array = new byte[size];

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (_array is not null)
            {
                _array = null;
                Interlocked.Decrement(ref pool._outstanding);
            }
        }
    }
}
