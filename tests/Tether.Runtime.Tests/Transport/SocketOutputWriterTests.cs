using System.IO.Pipelines;
using System.Net.Sockets;
using Tether.Transport;
using Tether.Transport.Tcp;

namespace Tether.Runtime.Tests.Transport;

/// <summary>
/// The TCP connection's output, sent by the flush that commits it: the pipe writer's contract (what is flushed arrives
/// whole and in order, backpressure past the send bound, completion, cancelled flushes) against a real loopback socket
/// whose peer is a plain <see cref="Socket"/>, and the blocks it holds, counted by a pool that knows what is out.
/// </summary>
public sealed class SocketOutputWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Hang = LoopbackSockets.Hang;
    private const int SendBound = 64 * 1024;

    private readonly CountingPool _pool = new();
    private Socket _peer = null!;
    private SocketConnection _connection = null!;

    private PipeWriter Output => _connection.Output;

    private SocketOutputWriter Writer => (SocketOutputWriter)_connection.Output;

    public async Task InitializeAsync()
    {
        // Small kernel buffers on both ends, so a peer that does not read fills them after a few hundred KiB.
        (_peer, Socket accepted) = await LoopbackSockets.ConnectAsync(static peer => peer.ReceiveBufferSize = 16 * 1024);
        accepted.SendBufferSize = 16 * 1024;
        var options = new TransportConnectionOptions { MemoryPool = _pool, MinimumSegmentSize = 4096, SendBufferLimit = SendBound };
        _connection = new SocketConnection(accepted, options, TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        await _connection.DisposeAsync();
        Assert.Equal(0, _pool.Outstanding); // whatever happened, every block went back
    }

    [Fact]
    public async Task Frames_written_across_blocks_arrive_whole_and_in_order_and_the_idle_writer_holds_no_block()
    {
        byte[] expected = LoopbackSockets.Pattern(50_000);
        int written = 0;
        foreach (int size in new[] { 1, 3_000, 20_000, 7, 4_096, 22_896 }) // one larger than a block, several crossing one
        {
            Span<byte> span = Output.GetSpan(size);
            Assert.True(span.Length >= size);
            expected.AsSpan(written, size).CopyTo(span);
            Output.Advance(size);
            written += size;
        }

        FlushResult result = await Output.FlushAsync().AsTask().WaitAsync(Hang);

        Assert.False(result.IsCompleted || result.IsCanceled);
        Assert.Equal(expected, await ReceiveAsync(expected.Length));
        await Writer.AllSent.WaitAsync(Hang);
        Assert.Equal(expected.Length, _connection.BytesSent);
        Assert.Equal(0, _pool.Outstanding); // all sent and nothing written since: every block is back
    }

    [Fact]
    public async Task A_peer_that_does_not_read_makes_a_flush_wait_past_the_bound_until_it_reads_and_nothing_is_lost()
    {
        (ValueTask<FlushResult> waiting, int written) = await WriteUntilAFlushWaitsAsync();
        Assert.False(waiting.IsCompleted);

        byte[] received = await ReceiveAsync(written);

        FlushResult result = await waiting.AsTask().WaitAsync(Hang);
        Assert.False(result.IsCompleted || result.IsCanceled);
        Assert.Equal(LoopbackSockets.Pattern(written), received);
        await Writer.AllSent.WaitAsync(Hang);
        Assert.Equal(written, _connection.BytesSent);
    }

    [Fact]
    public async Task Completing_with_bytes_still_queued_sends_them_all_and_then_the_end()
    {
        (ValueTask<FlushResult> waiting, int written) = await WriteUntilAFlushWaitsAsync();
        Output.CancelPendingFlush(); // the writer may not complete with its flush waiting
        Assert.True((await waiting.AsTask().WaitAsync(Hang)).IsCanceled);
        Span<byte> last = Output.GetSpan(10);
        LoopbackSockets.Pattern(written + 10).AsSpan(written, 10).CopyTo(last);
        Output.Advance(10); // written, not flushed: completing commits it
        await Output.CompleteAsync();

        byte[] received = await ReceiveAsync(written + 10);

        Assert.Equal(LoopbackSockets.Pattern(written + 10), received);
        Assert.Equal(0, await _peer.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Hang)); // the send side shut after them
        await Writer.AllSent.WaitAsync(Hang);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task A_reset_while_a_flush_waits_completes_it_as_gone_and_later_flushes_say_so_too()
    {
        (ValueTask<FlushResult> waiting, _) = await WriteUntilAFlushWaitsAsync();

        _peer.LingerState = new LingerOption(true, 0); // close with a reset, unread bytes and all
        _peer.Close();

        FlushResult result = await waiting.AsTask().WaitAsync(Hang);
        Assert.True(result.IsCompleted);
        await Writer.AllSent.WaitAsync(Hang);
        Output.GetSpan(100);
        Output.Advance(100);
        Assert.True((await Output.FlushAsync().AsTask().WaitAsync(Hang)).IsCompleted);
        Assert.Equal(0, _pool.Outstanding); // what was queued for a gone peer is dropped, not kept
    }

    [Fact]
    public async Task A_waiting_flush_ends_with_its_token_and_a_cancel_before_any_flush_cancels_the_next()
    {
        Output.CancelPendingFlush();
        Output.GetSpan(1)[0] = 0;
        Output.Advance(1);
        Assert.True((await Output.FlushAsync()).IsCanceled); // cancelled, yet committed: the byte still leaves

        using var cancel = new CancellationTokenSource();
        (ValueTask<FlushResult> waiting, int written) = await WriteUntilAFlushWaitsAsync(first: 1, cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Hang));
        Assert.Equal(LoopbackSockets.Pattern(written), await ReceiveAsync(written)); // the pattern starts with the 0 sent first
    }

    [Fact]
    public async Task Frames_written_while_the_socket_s_callback_sends_and_gives_blocks_back_all_arrive_in_order()
    {
        // The writer fills and flushes while sends complete on the socket's thread (the peer reads in bursts, so some
        // sends wait): the callback frees blocks and the tail under the writer's feet. Every byte must arrive in order.
        const int Frames = 20_000;
        var random = new Random(20261206);
        int[] sizes = [.. Enumerable.Range(0, Frames).Select(_ => random.Next(1, 3_000))];
        int total = sizes.Sum();
        byte[] expected = LoopbackSockets.Pattern(total);
        Task<byte[]> reading = Task.Run(async () =>
        {
            byte[] received = new byte[total];
            int at = 0;
            while (at < total)
            {
                int n = await _peer.ReceiveAsync(received.AsMemory(at, Math.Min(total - at, 1 + (at % 50_000))), SocketFlags.None);
                Assert.True(n > 0, $"The connection ended after {at:N0} of {total:N0} bytes.");
                at += n;
            }

            return received;
        });

        int written = 0;
        foreach (int size in sizes)
        {
            expected.AsSpan(written, size).CopyTo(Output.GetSpan(size));
            Output.Advance(size);
            written += size;
            Assert.False((await Output.FlushAsync().AsTask().WaitAsync(Hang)).IsCompleted);
        }

        Assert.Equal(expected, await reading.WaitAsync(Hang));
        await Writer.AllSent.WaitAsync(Hang);
        Assert.Equal(total, _connection.BytesSent);
        Assert.Equal(0, _pool.Outstanding);
    }

    /// <summary>
    /// Writes 1 KiB frames of the pattern and flushes each, until a flush does not complete (the peer reads nothing):
    /// bounded in count, so a writer that never pushes back fails instead of looping.
    /// </summary>
    private async Task<(ValueTask<FlushResult> Waiting, int Written)> WriteUntilAFlushWaitsAsync(int first = 0, CancellationToken token = default)
    {
        byte[] pattern = LoopbackSockets.Pattern(8 * 1024 * 1024);
        int written = first;
        for (int frame = 0; frame < 8 * 1024; frame++)
        {
            Span<byte> span = Output.GetSpan(1024);
            pattern.AsSpan(written, 1024).CopyTo(span);
            Output.Advance(1024);
            written += 1024;
            ValueTask<FlushResult> flush = Output.FlushAsync(token);
            if (!flush.IsCompleted)
            {
                return (flush, written);
            }

            Assert.False((await flush).IsCompleted);
        }

        Assert.Fail("8 MiB were flushed to a peer that reads nothing and no flush waited.");
        return default;
    }

    private async Task<byte[]> ReceiveAsync(int count)
    {
        byte[] received = new byte[count];
        int total = 0;
        while (total < count)
        {
            int n = await _peer.ReceiveAsync(received.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(Hang);
            Assert.True(n > 0, $"The connection ended after {total:N0} of {count:N0} bytes.");
            total += n;
        }

        return received;
    }
}
