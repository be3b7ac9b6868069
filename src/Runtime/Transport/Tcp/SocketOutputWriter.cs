using System.IO.Pipelines;
using System.Net.Sockets;

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
internal sealed class SocketOutputWriter : PipeWriter
{
    private const int Idle = 0; // _writing: the writer holds no span
    private const int Writing = 1; // ... holds a span of the tail block
    private const int TailReleased = 2; // ... the sender gave the tail block back: the next span needs a new one

    private readonly SocketConnection _connection;
    private readonly Socket _socket;
    private readonly TransportConnectionOptions _options;
    private readonly SendBlocks _blocks; // guarded by _gate, but for the tail's End (the writer's)
    private readonly Lock _gate = new();
    private Action? _onSent; // made by the first send that does not complete at once
    private ValueTask<int> _send; // that send, for its callback
    private int _writing;

    // Guarded by _gate.
    private bool _sending; // someone runs the sends: a flush inline, or the socket's callback
    private FlushWaiter? _waiter; // made by the first flush that waits for room
    private bool _cancelNextFlush;
    private bool _completed; // the writer is done: what is flushed leaves, then the send side shuts
    private Exception? _error; // a send failed; later flushes report the connection gone
    private TaskCompletionSource? _sent; // made when someone waits for the last send

    public SocketOutputWriter(SocketConnection connection, Socket socket, TransportConnectionOptions options)
    {
        _connection = connection;
        _socket = socket;
        _options = options;
        _blocks = new SendBlocks(options.MemoryPool, options.MinimumSegmentSize);
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
        if (Interlocked.Exchange(ref _writing, Writing) != TailReleased && _blocks.Tail is { } tail && tail.Capacity - tail.End >= Math.Max(sizeHint, 1))
        {
            return tail.Memory[tail.End..];
        }

        return NextBlock(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        SendBlocks.Block? tail = _blocks.Tail;
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

            if (_waiter is { IsWaiting: true })
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
                    _blocks.ReleaseAll();
                }

                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            _blocks.Commit();
            if (!_sending)
            {
                if (_blocks.Unsent == 0)
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

        FlushWaiter waiter;
        short version;
        lock (_gate)
        {
            if (_error is not null)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (!_sending || _blocks.Unsent < _options.SendBufferLimit)
            {
                return default; // sent, or the running sender takes these bytes too
            }

            // Backpressure: more than the bound waits for a socket that does not take it.
            waiter = _waiter ??= new FlushWaiter(_gate);
            version = waiter.Begin();
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Watch(version, cancellationToken);
        }

        return new ValueTask<FlushResult>(waiter, version);
    }

    public override void CancelPendingFlush()
    {
        lock (_gate)
        {
            if (_waiter?.TryEndLocked() != true)
            {
                _cancelNextFlush = true;
                return;
            }
        }

        _waiter.Answer(new FlushResult(isCanceled: true, isCompleted: false));
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
                    _blocks.ReleaseAll();
                }
            }
            else
            {
                _blocks.Commit();
                send = !_sending && _blocks.Unsent > 0;
                shut = !_sending && !send;
                _sending |= send;
                if (shut)
                {
                    _blocks.ReleaseAll();
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

    /// <summary>The writer needs a block: the tail has too little room, or the sender gave it back.</summary>
    private Memory<byte> NextBlock(int sizeHint)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The writer was completed.");
            }

            return _blocks.Append(sizeHint);
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
            if (_error is null && _blocks.NextToSend() is { } data)
            {
                return data;
            }

            _sending = false;
            shut = _completed && _error is null;
            if (_completed)
            {
                _blocks.ReleaseAll();
            }
            else
            {
                ReleaseTailIfIdleLocked();
            }

            // A flush still waiting here waits in vain: the writer failed or the connection went.
            gone = _waiter?.TryEndLocked() == true;

            sent = _sent;
            _sent = null;
        }

        if (shut)
        {
            ShutDownSend();
        }

        if (gone)
        {
            _waiter!.Answer(new FlushResult(isCanceled: false, isCompleted: true));
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
            _blocks.Sent(count);
            wake = _blocks.Unsent <= _options.SendBufferLimit / 2 && _waiter?.TryEndLocked() == true;
        }

        if (wake)
        {
            // Not on the socket's thread: the flush's continuation writes and flushes the next frames.
            _connection.Scheduler.Schedule(static state => ((FlushWaiter)state!).Answer(default), _waiter);
        }
    }

    private void Failed(Exception error)
    {
        bool wake;
        lock (_gate)
        {
            _error ??= error;
            _blocks.SendFailed();
            wake = _waiter?.TryEndLocked() == true;
        }

        if (wake)
        {
            _waiter!.Answer(new FlushResult(isCanceled: false, isCompleted: true));
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
        if (_blocks.TailIsDone && Interlocked.CompareExchange(ref _writing, TailReleased, Idle) == Idle)
        {
            // The writer cannot start writing now (its next span waits for this lock), but an Advance may have landed
            // between the first look and the exchange: those bytes are not sent yet, so the block stays.
            if (!_blocks.TailIsDone)
            {
                Interlocked.CompareExchange(ref _writing, Idle, TailReleased);
                return;
            }

            _blocks.ReleaseTail();
        }
    }
}
