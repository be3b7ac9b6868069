using System.Diagnostics;
using System.IO.Pipelines;
using Tether.Conformance.Tests.Support;
using Tether.Quic;
using Tether.Transport;
using LinkPair = Tether.Conformance.Tests.Quic.QuicTransportTests.LinkPair;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// How a QUIC connection ends (RFC 9000 §10): silently on both sides once it has been idle past its timeout, and at
/// once at the peer when one side closes — after what it wrote was delivered. Either way the server's endpoint forgets
/// it. And how one stream ends abnormally (§3, reset) while the connection goes on.
/// </summary>
public sealed class QuicConnectionLifetimeTests
{
    [Fact]
    public async Task A_connection_idle_past_its_timeout_ends_on_both_sides_with_a_typed_error()
    {
        // The server's short timeout governs both sides once the handshake has exchanged them (each side takes the
        // smaller); the client's own, in force until then, is long, so a handshake slowed down by a loaded machine
        // cannot time out first. Nothing is sent after the handshake.
        TimeSpan idle = TimeSpan.FromSeconds(1);
        await using var pair = await LinkPair.OpenAsync(
            new QuicTransportOptions { InitialRtt = TimeSpan.FromMilliseconds(1), IdleTimeout = idle },
            clientOptions: new QuicTransportOptions { InitialRtt = TimeSpan.FromMilliseconds(1), IdleTimeout = TimeSpan.FromMinutes(10) });
        var quiet = Stopwatch.StartNew();
        Task serverClosed = WhenCancelled(pair.Server.ConnectionClosed);

        var client = await Assert.ThrowsAsync<TetherException>(() => ReadToEndAsync(pair.Client.Input));
        var server = await Assert.ThrowsAsync<TetherException>(() => ReadToEndAsync(pair.Server.Input));

        // Each side's timer counts from the last packet it received, during the handshake, a little before `quiet`
        // started (the accept came after it): a quarter of the timeout leaves room for that gap and still catches a
        // timeout in the wrong unit. Load only makes the end later.
        Assert.True(quiet.Elapsed >= idle / 4, $"ended after {quiet.Elapsed.TotalMilliseconds:0} ms of quiet");
        foreach (TetherException error in new[] { client, server })
        {
            Assert.Equal(TetherErrorCode.ConnectionClosed, error.Code);
            Assert.Contains("idle past its timeout", error.Message);
        }

        await serverClosed.Within();
        Assert.Equal(0, pair.Listener.Endpoint.ConnectionCount);
    }

    /// <summary>
    /// The client writes and closes at once: the bytes arrive, then the server's link ends without an error (an
    /// application close with code 0) long before its ten-minute idle timeout could have ended it.
    /// </summary>
    [Fact]
    public async Task A_closed_connection_delivers_what_was_written_and_ends_at_the_peer_at_once()
    {
        var options = new QuicTransportOptions { InitialRtt = TimeSpan.FromMilliseconds(1), IdleTimeout = TimeSpan.FromMinutes(10) };
        await using var pair = await LinkPair.OpenAsync(options);
        byte[] data = new byte[256 * 1024];
        new Random(20261125).NextBytes(data);
        Task serverClosed = WhenCancelled(pair.Server.ConnectionClosed);

        await pair.Client.Output.WriteAsync(data).AsTask().Within();
        await pair.Client.DisposeAsync().AsTask().Within();

        byte[] arrived = await LinkPair.ReadAllAsync(pair.Server.Input, data.Length);
        Assert.True(data.AsSpan().SequenceEqual(arrived), "the bytes arrived changed");
        ReadResult end = await pair.Server.Input.ReadAsync().AsTask().Within();
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
        await serverClosed.Within();
        Assert.Equal(0, pair.Listener.Endpoint.ConnectionCount);
    }

    /// <summary>
    /// One side resets a stream (RESET_STREAM and STOP_SENDING): the peer's read of it fails with a typed error, its
    /// writes to it are dropped without blocking until it learns the stream is over, and the connection's other stream
    /// and stream 0 carry on both ways.
    /// </summary>
    [Fact]
    public async Task A_reset_stream_fails_at_the_peer_and_leaves_the_other_streams_alone()
    {
        await using var pair = await LinkPair.OpenAsync();
        TransportSubstream doomed = pair.Client.TryOpenStream()!;
        TransportSubstream kept = pair.Client.TryOpenStream()!;
        await doomed.Output.WriteAsync(new byte[] { 1, 2, 3 }).AsTask().Within();
        await kept.Output.WriteAsync(new byte[] { 4, 5, 6 }).AsTask().Within();
        var accepted = new Dictionary<byte, TransportSubstream>();
        for (int i = 0; i < 2; i++)
        {
            TransportSubstream stream = (await pair.Server.AcceptStreamAsync().AsTask().Within())!;
            accepted[(await LinkPair.ReadAllAsync(stream.Input, 3))[0]] = stream; // streams may be accepted in either order
        }

        doomed.Abort();

        var error = await Assert.ThrowsAsync<TetherException>(() => ReadToEndAsync(accepted[1].Input));
        Assert.Equal(TetherErrorCode.ConnectionClosed, error.Code);
        Assert.Contains("reset", error.Message);

        // The peer's writes to it never block (4 MiB is past the stream's window), and once the reset is acknowledged
        // (a round trip, plus the peer's acknowledgement delay) the stream is closed and its writer is told so. The
        // writes go on until then, yielding between them, bounded in count and by the harness's patience.
        var waited = Stopwatch.StartNew();
        FlushResult written = await accepted[1].Output.WriteAsync(new byte[4 * 1024 * 1024]).AsTask().Within();
        for (int writes = 0; !written.IsCompleted && writes < 10_000_000 && waited.Elapsed < Harness.Patience; writes++)
        {
            await Task.Yield();
            written = await accepted[1].Output.WriteAsync(new byte[1024]).AsTask().Within();
        }

        Assert.True(written.IsCompleted, "the writer of a reset stream was never told it is over");

        await kept.Output.WriteAsync(new byte[] { 7 }).AsTask().Within();
        Assert.Equal(new byte[] { 7 }, await LinkPair.ReadAllAsync(accepted[4].Input, 1));
        await accepted[4].Output.WriteAsync(new byte[] { 8 }).AsTask().Within();
        Assert.Equal(new byte[] { 8 }, await LinkPair.ReadAllAsync(kept.Input, 1));
        await pair.AssertEchoAsync(1000);
        Assert.Equal(1, pair.Listener.Endpoint.ConnectionCount);
    }

    private static async Task ReadToEndAsync(PipeReader reader)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync().AsTask().Within();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }
}
