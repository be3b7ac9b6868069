using System.Buffers;

namespace Tether.Transport.Tcp;

/// <summary>
/// The pooled blocks a TCP connection's <see cref="SocketOutputWriter"/> fills and its sender empties, oldest first: each
/// written up to its <see cref="Block.End"/>, flushed up to <see cref="Block.Flushed"/> and sent up to
/// <see cref="Block.Start"/>. The writer fills only the last (<see cref="Tail"/>); blocks before it go back to the pool as
/// soon as they are sent. Not thread-safe: the writer's lock guards it, except the tail's <see cref="Block.End"/>, which
/// only the writer moves.
/// </summary>
internal sealed class SendBlocks(MemoryPool<byte> pool, int minimumBlockSize)
{
    private Block? _head; // the oldest block with bytes not sent yet
    private Block? _tail; // the block the writer fills
    private Block? _spare; // a released block's object, for the next block
    private Block? _sending; // the block the send in flight reads (not given back before it completes)

    /// <summary>The block the writer fills; null when it holds none.</summary>
    public Block? Tail => _tail;

    /// <summary>Flushed bytes not sent yet (the send in flight included).</summary>
    public long Unsent { get; private set; }

    /// <summary>Whether the tail could go back to the pool: everything written into it was sent and no send reads it.</summary>
    public bool TailIsDone => _tail is { IsAllSent: true } tail && ReferenceEquals(tail, _head) && !ReferenceEquals(tail, _sending);

    /// <summary>Appends a block of at least <paramref name="sizeHint"/> bytes for the writer; the old tail goes back at once if it is done.</summary>
    public Memory<byte> Append(int sizeHint)
    {
        Block? old = _tail;
        Block block = _spare ?? new Block();
        _spare = null;
        block.Attach(pool.Rent(Math.Max(sizeHint, minimumBlockSize)));
        if (old is null)
        {
            _head = block;
        }
        else if (TailIsDone)
        {
            _head = block;
            Release(old);
        }
        else
        {
            old.Next = block;
        }

        _tail = block;
        return block.Memory;
    }

    /// <summary>Makes what the writer advanced sendable.</summary>
    public void Commit()
    {
        for (Block? block = _head; block is not null; block = block.Next)
        {
            Unsent += block.End - block.Flushed;
            block.Flushed = block.End;
        }
    }

    /// <summary>The next flushed bytes to send, marked as read by a send in flight; null when all that is flushed was sent.</summary>
    public ReadOnlyMemory<byte>? NextToSend()
    {
        while (_head is { } head)
        {
            if (head.Start < head.Flushed)
            {
                _sending = head;
                return head.Memory[head.Start..head.Flushed];
            }

            if (ReferenceEquals(head, _tail) || head.Flushed < head.End)
            {
                break; // the rest is not flushed yet
            }

            _head = head.Next; // sent (or left empty by a writer that needed a larger block)
            Release(head);
        }

        return null;
    }

    /// <summary>The send in flight took <paramref name="count"/> bytes; a block before the tail that is all sent goes back.</summary>
    public void Sent(int count)
    {
        _sending = null;
        Unsent -= count;
        Block head = _head!;
        head.Start += count;
        if (head.IsAllSent && !ReferenceEquals(head, _tail))
        {
            _head = head.Next;
            Release(head);
        }
    }

    /// <summary>The send in flight failed: nothing more will be sent.</summary>
    public void SendFailed()
    {
        _sending = null;
        Unsent = 0;
    }

    /// <summary>Gives the tail back (the caller checked <see cref="TailIsDone"/> and that the writer holds no span of it).</summary>
    public void ReleaseTail()
    {
        Block tail = _tail!;
        _head = _tail = null;
        Release(tail);
    }

    /// <summary>Gives every block back.</summary>
    public void ReleaseAll()
    {
        while (_head is { } block)
        {
            _head = block.Next;
            Release(block);
        }

        _tail = null;
    }

    private void Release(Block block)
    {
        block.Detach();
        _spare = block;
    }

    /// <summary>A pooled block: written from <see cref="End"/>, flushed up to <see cref="Flushed"/>, sent up to <see cref="Start"/>.</summary>
    internal sealed class Block
    {
        private IMemoryOwner<byte>? _owner;

        public Memory<byte> Memory { get; private set; }

        public int Capacity => Memory.Length;

        public int Start { get; set; }

        public int Flushed { get; set; }

        public int End { get; set; }

        public Block? Next { get; set; }

        public bool IsAllSent => Start == End;

        public void Attach(IMemoryOwner<byte> owner)
        {
            _owner = owner;
            Memory = owner.Memory;
            Start = Flushed = End = 0;
            Next = null;
        }

        public void Detach()
        {
            _owner?.Dispose();
            _owner = null;
            Memory = default;
            Next = null;
        }
    }
}
