using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Runtime.Tests.Transport;

/// <summary>
/// The TCP connection's input, read straight from the socket: the pipe reader's contract (consumed and examined,
/// cancelled reads, completion) against a real loopback socket whose peer is a plain <see cref="Socket"/>, and the
/// memory it holds, counted by a pool that knows what is out.
/// </summary>
public sealed class SocketInputReaderTests : IAsyncLifetime
{
    private static readonly TimeSpan Hang = LoopbackSockets.Hang;

    private readonly CountingPool _pool = new();
    private Socket _peer = null!;
    private SocketConnection _connection = null!;

    private PipeReader Input => _connection.Input;

    public async Task InitializeAsync()
    {
        (_peer, Socket accepted) = await LoopbackSockets.ConnectAsync();
        _connection = new SocketConnection(accepted, new TransportConnectionOptions { MemoryPool = _pool, MinimumSegmentSize = 4096 }, TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task A_message_larger_than_a_block_arrives_whole_across_segments()
    {
        byte[] sent = LoopbackSockets.Pattern(20_000);
        await SendAsync(sent);

        ReadResult result = await ReadAtLeastAsync(sent.Length);

        Assert.False(result.Buffer.IsSingleSegment); // 4 KiB blocks: the sequence spans several
        Assert.Equal(sent, result.Buffer.Slice(0, sent.Length).ToArray());
        Assert.Equal(sent.Length, _connection.BytesReceived);
        Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(0, _pool.Outstanding); // all consumed: every block is back in the pool
    }

    [Fact]
    public async Task Examining_everything_without_consuming_makes_the_next_read_wait_for_more_and_keeps_the_bytes()
    {
        await SendAsync([1, 2, 3]);
        ReadResult first = await ReadAtLeastAsync(3);
        Input.AdvanceTo(first.Buffer.Start, first.Buffer.End); // a partial frame: keep it, but wait for more

        ValueTask<ReadResult> next = Input.ReadAsync();
        Assert.False(next.IsCompleted); // nothing new yet

        await SendAsync([4, 5]);
        ReadResult second = await next.AsTask().WaitAsync(Hang);
        while (second.Buffer.Length < 5)
        {
            Input.AdvanceTo(second.Buffer.Start, second.Buffer.End);
            second = await Input.ReadAsync().AsTask().WaitAsync(Hang);
        }

        Assert.Equal([1, 2, 3, 4, 5], second.Buffer.ToArray());
        Input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task Examining_part_of_the_buffer_leaves_the_rest_readable_at_once()
    {
        await SendAsync([1, 2, 3, 4]);
        ReadResult first = await ReadAtLeastAsync(4);
        SequencePosition afterTwo = first.Buffer.GetPosition(2);
        Input.AdvanceTo(afterTwo, afterTwo);

        ValueTask<ReadResult> next = Input.ReadAsync();
        Assert.True(next.IsCompleted); // unexamined bytes are there already: no receive needed
        ReadResult second = await next;
        Assert.Equal([3, 4], second.Buffer.ToArray());
        Input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task Cancelling_a_waiting_read_answers_it_cancelled_and_what_arrives_later_reaches_the_next_read()
    {
        ValueTask<ReadResult> waiting = Input.ReadAsync();
        Assert.False(waiting.IsCompleted);

        Input.CancelPendingRead();
        ReadResult cancelled = await waiting.AsTask().WaitAsync(Hang);
        Assert.True(cancelled.IsCanceled);
        Assert.True(cancelled.Buffer.IsEmpty);
        Input.AdvanceTo(cancelled.Buffer.End);

        // The receive started by the cancelled read is still in flight: its bytes belong to the next read.
        await SendAsync([7, 8, 9]);
        ReadResult next = await ReadAtLeastAsync(3);
        Assert.False(next.IsCanceled);
        Assert.Equal([7, 8, 9], next.Buffer.ToArray());
        Input.AdvanceTo(next.Buffer.End);
    }

    [Fact]
    public async Task A_cancel_with_no_read_waiting_cancels_the_next_read_once()
    {
        Input.CancelPendingRead();

        ValueTask<ReadResult> next = Input.ReadAsync();
        Assert.True(next.IsCompleted);
        ReadResult cancelled = await next;
        Assert.True(cancelled.IsCanceled);
        Input.AdvanceTo(cancelled.Buffer.End);

        await AssertWaitsThenCancelAsync(); // the cancel was used up: this read waits for data
    }

    [Fact]
    public async Task A_cancelled_token_ends_the_read_with_OperationCanceled_and_loses_nothing()
    {
        using var cancel = new CancellationTokenSource();
        ValueTask<ReadResult> waiting = Input.ReadAsync(cancel.Token);
        Assert.False(waiting.IsCompleted);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Hang));

        await SendAsync([42]);
        ReadResult next = await ReadAtLeastAsync(1);
        Assert.Equal([42], next.Buffer.ToArray());
        Input.AdvanceTo(next.Buffer.End);
    }

    [Fact]
    public async Task An_already_cancelled_token_fails_the_read_before_it_starts()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Input.ReadAsync(new CancellationToken(canceled: true)));
        await AssertWaitsThenCancelAsync(); // the reader is still usable
    }

    [Fact]
    public async Task Bytes_sent_before_the_peer_finishes_are_all_read_before_the_end_is_reported()
    {
        byte[] sent = LoopbackSockets.Pattern(10_000);
        await SendAsync(sent);
        _peer.Shutdown(SocketShutdown.Send);

        var received = new List<byte>();
        while (true)
        {
            ReadResult result = await Input.ReadAsync().AsTask().WaitAsync(Hang);
            received.AddRange(result.Buffer.ToArray());
            Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal(sent, received);
        await ClosedAsync(_connection.ConnectionClosed).WaitAsync(Hang); // the end of input closes the connection
        Assert.True((await Input.ReadAsync()).IsCompleted); // and stays reported
    }

    [Fact]
    public async Task A_reset_by_the_peer_fails_the_read_with_the_typed_connection_closed_error()
    {
        ValueTask<ReadResult> waiting = Input.ReadAsync();
        _peer.LingerState = new LingerOption(enable: true, seconds: 0); // close with RST, not FIN
        _peer.Close();

        TetherException error = await Assert.ThrowsAsync<TetherException>(() => waiting.AsTask().WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.ConnectionClosed, error.Code);
        await Assert.ThrowsAsync<TetherException>(async () => await Input.ReadAsync()); // and it stays failed
    }

    [Fact]
    public async Task Completing_the_reader_with_bytes_unconsumed_returns_every_block()
    {
        await SendAsync(LoopbackSockets.Pattern(9_000));
        ReadResult result = await ReadAtLeastAsync(9_000);
        Input.AdvanceTo(result.Buffer.Start); // consume nothing
        Assert.True(_pool.Outstanding > 0);

        Input.Complete();

        Assert.Equal(0, _pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => Input.TryRead(out _));
    }

    [Fact]
    public async Task An_idle_reader_holds_no_block_while_it_waits_and_a_second_reader_is_refused()
    {
        await SendAsync([1]);
        ReadResult result = await ReadAtLeastAsync(1);
        Input.AdvanceTo(result.Buffer.End);

        ValueTask<ReadResult> waiting = Input.ReadAsync(); // a zero-byte receive: no memory rented until data comes
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, _pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => { _ = Input.ReadAsync().AsTask(); });

        await SendAsync([2]);
        result = await waiting.AsTask().WaitAsync(Hang);
        Assert.Equal([2], result.Buffer.ToArray());
        Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task Many_small_sends_read_in_a_loop_arrive_in_order_and_leave_no_block_out()
    {
        const int Messages = 2_000;
        Task sending = Task.Run(async () =>
        {
            byte[] one = new byte[4];
            for (int i = 0; i < Messages; i++)
            {
                BitConverter.TryWriteBytes(one, i);
                await _peer.SendAsync(one, SocketFlags.None);
            }
        });

        int expected = 0;
        while (expected < Messages)
        {
            ReadResult result = await Input.ReadAsync().AsTask().WaitAsync(Hang);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (buffer.Length >= 4)
            {
                byte[] value = buffer.Slice(0, 4).ToArray();
                Assert.Equal(expected++, BitConverter.ToInt32(value));
                buffer = buffer.Slice(4);
            }

            Input.AdvanceTo(buffer.Start, buffer.End);
        }

        await sending.WaitAsync(Hang);
        Assert.Equal(0, _pool.Outstanding); // every block went back once its bytes were consumed
    }

    /// <summary>A read now waits for data; a cancel releases it, answered as cancelled.</summary>
    private async Task AssertWaitsThenCancelAsync()
    {
        ValueTask<ReadResult> waiting = Input.ReadAsync();
        Assert.False(waiting.IsCompleted);
        Input.CancelPendingRead();
        ReadResult result = await waiting.AsTask().WaitAsync(Hang);
        Assert.True(result.IsCanceled);
        Input.AdvanceTo(result.Buffer.End);
    }

    private static Task ClosedAsync(CancellationToken closed)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        closed.Register(() => fired.TrySetResult());
        return fired.Task;
    }

    private async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _peer.SendAsync(bytes.AsMemory(sent), SocketFlags.None).AsTask().WaitAsync(Hang);
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes are buffered, consuming nothing.</summary>
    private async Task<ReadResult> ReadAtLeastAsync(int count)
    {
        while (true)
        {
            ReadResult result = await Input.ReadAsync().AsTask().WaitAsync(Hang);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                return result;
            }

            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
