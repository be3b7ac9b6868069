using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Tether.Transport.Tcp;

/// <summary>
/// A TCP connection's output, written to the socket by the flush that commits it: no output pipe and no send loop, so an
/// idle connection holds neither (together ~0.7 KB per connection) nor a block, and a flushed frame reaches the socket
/// without a hop through a pipe's reader. One writer at a time (the runtime flushes under its output lock).
/// </summary>
/// <remarks>
/// <para>
/// A flush sends on the flushing thread while sends complete at once, as the pipe's inline send loop did. A send that
/// does not (a full socket buffer) goes on from the socket's callback, which also sends whatever was flushed meanwhile;
/// a flush then completes at once unless more than <see cref="TransportConnectionOptions.SendBufferLimit"/> waits to be
/// sent, in which case it completes (on the connection's scheduler) once half of it has left: the pipe's thresholds.
/// </para>
/// <para>
/// The writer fills only the last block; the sender frees the blocks before it as they leave, and the last block only
/// once everything in it was sent and the writer holds no span of it (<see cref="_writing"/>: a writer between
/// <see cref="GetMemory"/> and <see cref="Advance"/> keeps it), so the writer's fast path takes no lock.
/// </para>
/// </remarks>
internal sealed class SocketOutputWriter : PipeWriter, IValueTaskSource<FlushResult>
{
    private const int Idle = 0; // _writing: the writer holds no span
    private const int Writing = 1; // ... holds a span of the tail block
    private const int TailReleased = 2; // ... the sender gave the tail block back: the next span needs a new one

    private readonly SocketConnection _connection;
    private readonly Socket _socket;
    private readonly TransportConnectionOptions _options;
    private readonly Lock _gate = new();
    private Action? _onSent; // made by the first send that does not complete at once
    private ValueTask<int> _send; // that send, for its callback
    private ManualResetValueTaskSourceCore<FlushResult> _flush; // a flush waiting for room
    private int _writing;

    // Guarded by _gate, except the tail's End, which only the writer moves.
    private Block? _head; // the oldest block with bytes not sent yet
    private Block? _tail; // the block the writer fills
    private Block? _spare; // a released block's object, for the next block
    private Block? _sendingBlock; // the block the send in flight reads (not given back before it completes)
    private long _unsent; // flushed bytes not sent yet (the one in flight included)
    private bool _sending; // someone runs the sends: a flush inline, or the socket's callback
    private bool _flushWaiting;
    private CancellationTokenRegistration _registration; // the waiting flush's token, if it passed one
    private bool _cancelNextFlush;
    private bool _completed; // the writer is done: what is flushed leaves, then the send side shuts
    private Exception? _error; // a send failed; later flushes report the connection gone
    private TaskCompletionSource? _sent; // made when someone waits for the last send

    public SocketOutputWriter(SocketConnection connection, Socket socket, TransportConnectionOptions options)
    {
        _connection = connection;
        _socket = socket;
        _options = options;
    }

    /// <summary>Completes when everything flushed before <see cref="Complete"/> has been sent (or sending failed).</summary>
    public Task AllSent
    {
        get
        {
            lock (_gate)
            {
                return !_sending ? Task.CompletedTask : (_sent ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        if (Interlocked.Exchange(ref _writing, Writing) != TailReleased && _tail is { } tail && tail.Capacity - tail.End >= Math.Max(sizeHint, 1))
        {
            return tail.Memory[tail.End..];
        }

        return NextBlock(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        Block? tail = _tail;
        if (tail is null ? bytes != 0 : (uint)bytes > (uint)(tail.Capacity - tail.End))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory the writer was given.");
        }

        if (tail is not null)
        {
            tail.End += bytes;
        }

        Volatile.Write(ref _writing, Idle);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        bool send = false;
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The writer was completed.");
            }

            if (_flushWaiting)
            {
                throw new InvalidOperationException("A flush is already waiting; one writer at a time.");
            }

            if (_cancelNextFlush)
            {
                _cancelNextFlush = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            if (_error is not null)
            {
                // The connection is gone: what was written since is dropped, not kept.
                if (!_sending && Interlocked.CompareExchange(ref _writing, TailReleased, Idle) == Idle)
                {
                    ReleaseAllLocked();
                }

                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            CommitLocked();
            if (!_sending)
            {
                if (_unsent == 0)
                {
                    ReleaseTailIfIdleLocked();
                    return default;
                }

                _sending = send = true;
            }
        }

        if (send)
        {
            SendWhileImmediate();
        }

        short version;
        lock (_gate)
        {
            if (_error is not null)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (!_sending || _unsent < _options.SendBufferLimit)
            {
                return default; // sent, or the running sender takes these bytes too
            }

            // Backpressure: more than the bound waits for a socket that does not take it.
            _flush.Reset();
            version = _flush.Version;
            _flushWaiting = true;
        }

        if (cancellationToken.CanBeCanceled)
        {
            WatchToken(version, cancellationToken);
        }

        return new ValueTask<FlushResult>(this, version);
    }

    public override void CancelPendingFlush()
    {
        lock (_gate)
        {
            if (!_flushWaiting)
            {
                _cancelNextFlush = true;
                return;
            }

            EndFlushWaitLocked();
        }

        _flush.SetResult(new FlushResult(isCanceled: true, isCompleted: false));
    }

    /// <summary>Commits what was written; it is sent, then the send side shuts (unless <paramref name="exception"/> says the writer failed).</summary>
    public override void Complete(Exception? exception = null)
    {
        bool send = false;
        bool shut = false;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (exception is not null || _error is not null)
            {
                _error ??= exception; // a send in flight ends the sender's turn; nothing more leaves
                if (!_sending)
                {
                    ReleaseAllLocked();
                }
            }
            else
            {
                CommitLocked();
                send = !_sending && _unsent > 0;
                shut = !_sending && !send;
                _sending |= send;
                if (shut)
                {
                    ReleaseAllLocked();
                }
            }
        }

        if (send)
        {
            SendWhileImmediate();
        }
        else if (shut)
        {
            ShutDownSend();
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);

    /// <summary>A waiting flush passed a token: cancelling it ends the flush with <see cref="OperationCanceledException"/> (the bytes still leave).</summary>
    private void WatchToken(short version, CancellationToken token)
    {
        CancellationTokenRegistration registration = token.UnsafeRegister(static (state, token) => ((SocketOutputWriter)state!).OnTokenCancelled(token), this);
        lock (_gate)
        {
            if (_flushWaiting && _flush.Version == version)
            {
                _registration = registration;
                return;
            }
        }

        registration.Unregister(); // the flush completed meanwhile
    }

    private void OnTokenCancelled(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_flushWaiting)
            {
                return;
            }

            EndFlushWaitLocked();
        }

        _flush.SetException(new OperationCanceledException(token));
    }

    /// <summary>The waiting flush is being answered: it no longer waits, nor watches its token.</summary>
    private void EndFlushWaitLocked()
    {
        _flushWaiting = false;
        _registration.Unregister();
        _registration = default;
    }

    /// <summary>The writer needs a block: the tail has too little room, or the sender gave it back.</summary>
    private Memory<byte> NextBlock(int sizeHint)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The writer was completed.");
            }

            Block? old = _tail;
            Block block = _spare ?? new Block();
            _spare = null;
            block.Attach(_options.MemoryPool.Rent(Math.Max(sizeHint, _options.MinimumSegmentSize)));
            if (old is null)
            {
                _head = block;
            }
            else if (ReferenceEquals(old, _head) && old.IsAllSent && !ReferenceEquals(old, _sendingBlock))
            {
                _head = block; // everything in the old tail left: give it back now
                Release(old);
            }
            else
            {
                old.Next = block;
            }

            _tail = block;
            return block.Memory;
        }
    }

    /// <summary>Makes what the writer advanced visible to the sender.</summary>
    private void CommitLocked()
    {
        for (Block? block = _head; block is not null; block = block.Next)
        {
            _unsent += block.End - block.Flushed;
            block.Flushed = block.End;
        }
    }

    /// <summary>Sends on this thread while sends complete at once; hands over to the socket's callback when one does not.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "Each send is consumed once: its result read at once when it completed, else by the callback registered on it.")]
    private void SendWhileImmediate()
    {
        while (NextSend() is { } data)
        {
            ValueTask<int> send;
            try
            {
                send = _socket.SendAsync(data, SocketFlags.None);
            }
            catch (Exception e)
            {
                send = ValueTask.FromException<int>(e);
            }

            if (!send.IsCompleted)
            {
                _send = send;
                send.GetAwaiter().UnsafeOnCompleted(_onSent ??= OnSent);
                return;
            }

            Sent(send);
        }
    }

    /// <summary>The socket completed a send that did not complete at once: record it and go on with what was flushed meanwhile.</summary>
    private void OnSent()
    {
        ValueTask<int> send = _send;
        _send = default;
        Sent(send);
        SendWhileImmediate();
    }

    /// <summary>What to send next (under the lock); null when nothing is left, and the sender's turn ends.</summary>
    private ReadOnlyMemory<byte>? NextSend()
    {
        bool shut;
        bool gone;
        TaskCompletionSource? sent;
        lock (_gate)
        {
            while (_error is null && _head is { } head)
            {
                if (head.Start < head.Flushed)
                {
                    _sendingBlock = head;
                    return head.Memory[head.Start..head.Flushed];
                }

                if (ReferenceEquals(head, _tail) || head.Flushed < head.End)
                {
                    break; // the rest is not flushed yet
                }

                _head = head.Next; // sent (or left empty by a writer that needed a larger block)
                Release(head);
            }

            _sendingBlock = null;
            _sending = false;
            shut = _completed && _error is null;
            if (_completed)
            {
                ReleaseAllLocked();
            }
            else
            {
                ReleaseTailIfIdleLocked();
            }

            // A flush still waiting here waits in vain: the writer failed or the connection went.
            gone = _flushWaiting;
            if (gone)
            {
                EndFlushWaitLocked();
            }

            sent = _sent;
            _sent = null;
        }

        if (shut)
        {
            ShutDownSend();
        }

        if (gone)
        {
            _flush.SetResult(new FlushResult(isCanceled: false, isCompleted: true));
        }

        sent?.TrySetResult();
        return null;
    }

    /// <summary>Takes a completed send's outcome: frees what left, wakes a flush waiting for room, or records the failure.</summary>
    private void Sent(ValueTask<int> send)
    {
        int count;
        try
        {
            count = send.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Failed(SocketConnection.IsClosing(e) ? SocketConnection.Closed(e) : e);
            return;
        }

        _connection.CountSent(count);
        bool wake;
        lock (_gate)
        {
            _sendingBlock = null;
            _unsent -= count;
            Block head = _head!;
            head.Start += count;
            if (head.IsAllSent && !ReferenceEquals(head, _tail))
            {
                _head = head.Next;
                Release(head);
            }

            wake = _flushWaiting && _unsent <= _options.SendBufferLimit / 2;
            if (wake)
            {
                EndFlushWaitLocked();
            }
        }

        if (wake)
        {
            // Not on the socket's thread: the flush's continuation writes and flushes the next frames.
            _connection.Scheduler.Schedule(static state => ((SocketOutputWriter)state!)._flush.SetResult(default), this);
        }
    }

    private void Failed(Exception error)
    {
        bool wake;
        lock (_gate)
        {
            _error ??= error;
            _sendingBlock = null;
            _unsent = 0;
            wake = _flushWaiting;
            if (wake)
            {
                EndFlushWaitLocked();
            }
        }

        if (wake)
        {
            _flush.SetResult(new FlushResult(isCanceled: false, isCompleted: true));
        }
    }

    private void ShutDownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (SocketConnection.IsClosing(e))
        {
            // Already closed: nothing left to tell the peer.
        }
    }

    /// <summary>Gives the tail block back when everything in it left and the writer holds no span of it.</summary>
    private void ReleaseTailIfIdleLocked()
    {
        if (_tail is { IsAllSent: true } tail && ReferenceEquals(tail, _head) && !ReferenceEquals(tail, _sendingBlock)
            && Interlocked.CompareExchange(ref _writing, TailReleased, Idle) == Idle)
        {
            // The writer cannot start writing now (its next span waits for this lock), but an Advance may have landed
            // between the first look and the exchange: those bytes are not sent yet, so the block stays.
            if (!tail.IsAllSent)
            {
                Interlocked.CompareExchange(ref _writing, Idle, TailReleased);
                return;
            }

            _head = _tail = null;
            Release(tail);
        }
    }

    private void ReleaseAllLocked()
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
    private sealed class Block
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
