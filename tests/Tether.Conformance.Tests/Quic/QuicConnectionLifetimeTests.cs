using System.Diagnostics;
using System.IO.Pipelines;
using Tether.Conformance.Tests.Support;
using Tether.Quic;
using LinkPair = Tether.Conformance.Tests.Quic.QuicTransportTests.LinkPair;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// How a QUIC connection ends (RFC 9000 §10): silently on both sides once it has been idle past its timeout, and at
/// once at the peer when one side closes — after what it wrote was delivered. Either way the server's endpoint forgets it.
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
