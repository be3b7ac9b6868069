using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace Tether.Transport.Tcp;

/// <summary>
/// A TCP connection's input, read from the socket when its reader asks: no input pipe and no receive loop of its own, so
/// an idle connection holds one pending zero-byte receive and nothing else, and received bytes reach the reader without a
/// hop through a pipe. As before, a read waits with a zero-byte receive before renting memory, and blocks go back to the
/// pool as soon as everything in them is consumed. One reader at a time (the link's receive loop, then whoever a resume
/// hands the transport to); <see cref="CancelPendingRead"/> and <see cref="Complete"/> from any thread.
/// </summary>
/// <remarks>
/// A socket receive outlives a cancelled read: what it brings stays buffered for the next read. Reads complete
/// synchronously while receives do, and a receive that completes later completes the waiting read from the socket's
/// callback, which runs the reader's continuation (so a reader never recurses into itself).
/// </remarks>
internal sealed class SocketInputReader : PipeReader, IValueTaskSource<ReadResult>
{
    private const int MinimumReceiveSize = 4096;
    private const int MaxSpareSegments = 4;

    private readonly SocketConnection _connection;
    private readonly Socket _socket;
    private readonly MemoryPool<byte> _pool;
    private readonly int _blockSize;
    private readonly Action _onReceived;
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<ReadResult> _read; // the waiting read (RunContinuationsAsynchronously off)
    private ValueTask<int> _receive; // the receive in flight, for its callback

    // Guarded by _gate.
    private Segment? _head;
    private int _headStart;
    private Segment? _tail;
    private int _tailEnd;
    private Segment? _spare; // released segments kept for reuse, chained through NextSpare
    private int _spares;
    private bool _examinedAll = true; // the reader saw all that is buffered: the next read needs more
    private bool _receiving; // a socket receive is in flight
    private bool _zeroByte; // ... and it is the zero-byte wait for data
    private bool _waiting; // a read waits on _read
    private CancellationToken _waitingToken; // the token that read passed, if any
    private CancellationTokenRegistration _registration; // ... and its registration
    private bool _cancelNext;
    private bool _ended; // the peer finished sending
    private bool _completed; // the reader is done
    private Exception? _error;

    public SocketInputReader(SocketConnection connection, Socket socket, MemoryPool<byte> pool, int blockSize)
    {
        _connection = connection;
        _socket = socket;
        // The receive after the zero-byte wait is synchronous and must return at once when a stale readiness event finds
        // nothing; every other operation on the socket is asynchronous, which this does not change.
        socket.Blocking = false;
        _pool = pool;
        _blockSize = Math.Max(blockSize, MinimumReceiveSize);
        _onReceived = OnReceived;
    }

    private enum Step
    {
        ReceiveAgain, // a zero-byte receive found data (receive it now), or was woken for nothing (wait again)
        Done, // data, the end, or an error: the read can complete
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_gate)
        {
            ThrowIfUnusableLocked();
            return TryReadLocked(out result);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "Each receive is consumed once: its result read at once when it completed, else by the callback registered on it.")]
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        short version;
        bool startReceive;
        lock (_gate)
        {
            ThrowIfUnusableLocked();
            if (TryReadLocked(out ReadResult ready))
            {
                return new ValueTask<ReadResult>(ready);
            }

            _read.Reset();
            version = _read.Version;
            _waiting = true; // before any receive starts, so a completion on another thread finds the read
            _waitingToken = cancellationToken;
            startReceive = !_receiving; // else a receive from a cancelled read is still in flight and completes this one
            _receiving = true;
        }

        if (cancellationToken.CanBeCanceled)
        {
            WatchToken(cancellationToken); // only readers that pass a token pay for its registration (the runtime passes none)
        }

        if (!startReceive)
        {
            return new ValueTask<ReadResult>(this, version);
        }

        // Receive on the reader's own thread while receives complete at once.
        while (true)
        {
            ValueTask<int> receive = StartReceive();
            if (!receive.IsCompleted)
            {
                _receive = receive;
                receive.GetAwaiter().UnsafeOnCompleted(_onReceived);
                return new ValueTask<ReadResult>(this, version);
            }

            lock (_gate)
            {
                if (Received(receive) == Step.ReceiveAgain)
                {
                    continue;
                }

                if (!_waiting)
                {
                    return new ValueTask<ReadResult>(this, version); // a cancel answered this read meanwhile; the data waits
                }

                EndWaitLocked();
                if (_completed)
                {
                    ReleaseLocked(); // completed while this receive wrote into a block
                }

                return _error is { } error
                    ? ValueTask.FromException<ReadResult>(error)
                    : new ValueTask<ReadResult>(new ReadResult(BufferLocked(), isCanceled: false, isCompleted: _ended));
            }
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The reader was completed.");
            }

            // Examined the end of what is buffered: the next read waits for more.
            _examinedAll = _head is null || (ReferenceEquals(examined.GetObject(), _tail) && examined.GetInteger() == _tailEnd);
            if (consumed.GetObject() is not Segment consumedSegment)
            {
                return; // an empty buffer's position: nothing to consume
            }

            while (_head is not null && !ReferenceEquals(_head, consumedSegment))
            {
                Segment done = _head;
                _head = (Segment?)done.Next;
                Recycle(done);
            }

            if (_head is null)
            {
                throw new InvalidOperationException("The consumed position is not in the buffer.");
            }

            _headStart = consumed.GetInteger();
            if (ReferenceEquals(_head, _tail) && _headStart == _tailEnd && !(_receiving && !_zeroByte))
            {
                // All consumed and no receive is writing into the block: give it back (an idle connection holds none).
                Recycle(_head);
                _head = _tail = null;
                _headStart = _tailEnd = 0;
                _examinedAll = true;
            }
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (_gate)
        {
            if (!_waiting)
            {
                _cancelNext = true;
                return;
            }

            EndWaitLocked();
            result = new ReadResult(BufferLocked(), isCanceled: true, isCompleted: false);
        }

        _read.SetResult(result);
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (!(_receiving && !_zeroByte))
            {
                ReleaseLocked(); // a receive writing into a block releases them when it completes
            }
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    /// <summary>A waiting read passed a token: cancelling it ends the read with <see cref="OperationCanceledException"/> (the receive goes on).</summary>
    private void WatchToken(CancellationToken token)
    {
        CancellationTokenRegistration registration = token.UnsafeRegister(static (state, token) => ((SocketInputReader)state!).OnTokenCancelled(token), this);
        lock (_gate)
        {
            if (_waiting && _waitingToken == token)
            {
                _registration = registration;
                return;
            }
        }

        registration.Unregister(); // the read completed meanwhile
    }

    private void OnTokenCancelled(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_waiting || _waitingToken != token)
            {
                return;
            }

            EndWaitLocked();
        }

        _read.SetException(new OperationCanceledException(token));
    }

    /// <summary>The waiting read is being answered: it no longer waits, nor watches its token.</summary>
    private void EndWaitLocked()
    {
        _waiting = false;
        _waitingToken = default;
        _registration.Unregister();
        _registration = default;
    }

    /// <summary>The socket completed a receive that did not complete at once.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "Each receive is consumed once: its result read at once when it completed, else by the callback registered on it.")]
    private void OnReceived()
    {
        ValueTask<int> receive = _receive;
        _receive = default;
        bool wake;
        ReadResult result = default;
        Exception? error;
        while (true)
        {
            lock (_gate)
            {
                if (Received(receive) == Step.Done)
                {
                    wake = _waiting;
                    EndWaitLocked();
                    error = _error;
                    if (wake && error is null)
                    {
                        result = new ReadResult(BufferLocked(), isCanceled: false, isCompleted: _ended);
                    }

                    if (_completed)
                    {
                        ReleaseLocked();
                    }

                    break;
                }
            }

            // The zero-byte wait saw data: receive it, here while that completes at once.
            receive = StartReceive();
            if (!receive.IsCompleted)
            {
                _receive = receive;
                receive.GetAwaiter().UnsafeOnCompleted(_onReceived);
                return;
            }
        }

        if (!wake)
        {
            return; // the read was cancelled meanwhile: what arrived waits for the next one
        }

        if (error is not null)
        {
            _read.SetException(error);
        }
        else
        {
            _read.SetResult(result); // runs the reader's continuation here
        }
    }

    /// <summary>Starts the next receive: the zero-byte wait while nothing is buffered, else into the tail block's free space.</summary>
    private ValueTask<int> StartReceive()
    {
        Memory<byte> destination;
        lock (_gate)
        {
            _zeroByte = _head is null;
            destination = _zeroByte ? Memory<byte>.Empty : TailSpaceLocked();
        }

        try
        {
            return _socket.ReceiveAsync(destination, SocketFlags.None);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    /// <summary>Takes a completed receive's outcome into the buffer; under the lock.</summary>
    private Step Received(ValueTask<int> receive)
    {
        int count;
        try
        {
            count = receive.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            FailLocked(e);
            return Step.Done;
        }

        if (_zeroByte)
        {
            if (_completed)
            {
                _receiving = false;
                return Step.Done;
            }

            // Data (or the end) should be there: take a block and receive into it now, without waiting (the socket is
            // non-blocking). A stale readiness event (for bytes an earlier receive already took; seen in ~1 % of idle
            // sessions) finds nothing: the block goes back and the wait starts again, so an idle connection holds none.
            _head = _tail = RentSegmentLocked(runningIndex: 0);
            _headStart = _tailEnd = 0;
            bool received = TryReceiveNowLocked(out count);
            if (!received || _error is not null)
            {
                Recycle(_head);
                _head = _tail = null;
                return received ? Step.Done : Step.ReceiveAgain;
            }
        }

        _receiving = false;
        if (count == 0)
        {
            _ended = true; // the peer finished sending
            _connection.OnInputEnded();
        }
        else
        {
            _tailEnd += count;
            _examinedAll = false;
            _connection.CountReceived(count);
        }

        return Step.Done;
    }

    /// <summary>
    /// Receives into the tail block what the socket holds, without waiting: false when it holds nothing. A failure is
    /// recorded (<c>_error</c>) and returns true, as the end does (a count of 0).
    /// </summary>
    private bool TryReceiveNowLocked(out int count)
    {
        SocketError result;
        try
        {
            count = _socket.Receive(TailSpaceLocked().Span, SocketFlags.None, out result);
        }
        catch (ObjectDisposedException e)
        {
            count = 0;
            result = SocketError.Success;
            FailLocked(e);
        }

        if (result == SocketError.WouldBlock)
        {
            return false;
        }

        if (result != SocketError.Success)
        {
            FailLocked(new SocketException((int)result));
        }

        return true;
    }

    private void FailLocked(Exception e)
    {
        _receiving = false;
        _error = SocketConnection.IsClosing(e) ? SocketConnection.Closed(e) : e;
        _connection.OnInputEnded();
    }

    private bool TryReadLocked(out ReadResult result)
    {
        if (_cancelNext)
        {
            _cancelNext = false;
            result = new ReadResult(BufferLocked(), isCanceled: true, isCompleted: false);
            return true;
        }

        if (_error is not null)
        {
            ExceptionDispatchInfo.Throw(_error);
        }

        if (_ended || (_head is not null && !_examinedAll && !IsEmptyLocked))
        {
            result = new ReadResult(BufferLocked(), isCanceled: false, isCompleted: _ended);
            return true;
        }

        result = default;
        return false;
    }

    private bool IsEmptyLocked => ReferenceEquals(_head, _tail) && _headStart == _tailEnd;

    private ReadOnlySequence<byte> BufferLocked() =>
        _head is null || IsEmptyLocked ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head, _headStart, _tail!, _tailEnd);

    private void ThrowIfUnusableLocked()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The reader was completed.");
        }

        if (_waiting)
        {
            throw new InvalidOperationException("A read is already waiting; one reader at a time.");
        }
    }

    /// <summary>Free space in the tail block, in a new block when less than a receive's worth is left.</summary>
    private Memory<byte> TailSpaceLocked()
    {
        Segment tail = _tail!;
        if (tail.Capacity - _tailEnd < MinimumReceiveSize)
        {
            tail.Trim(_tailEnd); // what the sequence shows of a block that is no longer the tail
            Segment next = RentSegmentLocked(tail.RunningIndex + _tailEnd);
            tail.Link(next);
            _tail = next;
            _tailEnd = 0;
            if (ReferenceEquals(_head, tail) && _headStart == tail.Memory.Length)
            {
                // Everything in the old tail was consumed: drop it now rather than at the next AdvanceTo.
                _head = next;
                _headStart = 0;
                Recycle(tail);
            }
        }

        return _tail!.Block!.Memory[_tailEnd..];
    }

    private Segment RentSegmentLocked(long runningIndex)
    {
        Segment? segment = _spare;
        if (segment is null)
        {
            segment = new Segment();
        }
        else
        {
            _spare = segment.NextSpare;
            segment.NextSpare = null;
            _spares--;
        }

        segment.Attach(_pool.Rent(_blockSize), runningIndex);
        return segment;
    }

    // A few kept, so steady reads (and frames over a few blocks) reuse segments rather than allocate them.
    private void Recycle(Segment segment)
    {
        segment.Release();
        if (_spares < MaxSpareSegments)
        {
            segment.NextSpare = _spare;
            _spare = segment;
            _spares++;
        }
    }

    private void ReleaseLocked()
    {
        while (_head is not null)
        {
            Segment done = _head;
            _head = (Segment?)done.Next;
            done.Release();
        }

        _tail = null;
        _headStart = _tailEnd = 0;
        _spare = null;
        _spares = 0;
    }

    /// <summary>A pooled block in the read buffer's chain.</summary>
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public IMemoryOwner<byte>? Block { get; private set; }

        public Segment? NextSpare { get; set; }

        public int Capacity => Block!.Memory.Length;

        public void Attach(IMemoryOwner<byte> block, long runningIndex)
        {
            Block = block;
            Memory = block.Memory;
            RunningIndex = runningIndex;
            Next = null;
        }

        public void Trim(int length) => Memory = Memory[..length];

        public void Link(Segment next) => Next = next;

        public void Release()
        {
            Block?.Dispose();
            Block = null;
            Memory = default;
            Next = null;
        }
    }
}
