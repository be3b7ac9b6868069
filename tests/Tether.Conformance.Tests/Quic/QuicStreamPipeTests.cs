using System.Buffers;
using System.IO.Pipelines;
using Tether.Conformance.Tests.Support;
using Tether.Transport;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// Every call has a QUIC stream of its own, so a connection recycles its streams' pipes: a pair goes back to the pool
/// once the application completed the stream's reader and writer and ngtcp2 closed the stream, and serves the next
/// stream. A reader or writer kept from the ended stream must then fail rather than touch the pipes of another call.
/// </summary>
public sealed class QuicStreamPipeTests
{
    [Fact]
    public async Task An_ended_streams_pipes_serve_the_next_stream_and_its_stale_ends_throw()
    {
        using var returned = new SemaphoreSlim(0); // outlives the pair: its end hands the link's pipes back too
        await using var pair = await QuicTransportTests.LinkPair.OpenAsync();
        pair.Client.PipePool.Returned += () => returned.Release();

        TransportSubstream first = await ExchangeAsync(pair, 1);
        Assert.True(await returned.WaitAsync(Harness.Patience), "the ended stream's pipes never came back");
        Assert.Equal(1, pair.Client.PipePool.Count);

        // The pair now waits for another stream: the ended stream's reader and writer no longer reach it.
        Assert.Throws<InvalidOperationException>(() => first.Output.GetSpan(16));
        Assert.Throws<InvalidOperationException>(() => first.Input.TryRead(out _));
        first.Input.CancelPendingRead(); // ignored: it must not cancel the next stream's read
        first.Output.Complete(); // completing twice is harmless and hands nothing back twice
        first.Input.Complete();

        TransportSubstream second = await ExchangeAsync(pair, 2, afterOpen: () => Assert.Equal(0, pair.Client.PipePool.Count));
        Assert.NotEqual(first.Id, second.Id);
        Assert.True(await returned.WaitAsync(Harness.Patience));
        Assert.Equal(1, pair.Client.PipePool.Count); // the same pair again, not a second one
    }

    /// <summary>One request and its reply on a new stream; both sides complete both ends. Returns the client's stream.</summary>
    private static async Task<TransportSubstream> ExchangeAsync(QuicTransportTests.LinkPair pair, byte value, Action? afterOpen = null)
    {
        TransportSubstream opened = pair.Client.TryOpenStream()!;
        Assert.NotNull(opened);
        afterOpen?.Invoke();
        await opened.Output.WriteAsync(new byte[] { value, value }).AsTask().Within();
        await opened.Output.CompleteAsync();

        TransportSubstream accepted = (await pair.Server.AcceptStreamAsync().AsTask().Within())!;
        Assert.Equal(new byte[] { value, value }, await ReadToEndAsync(accepted.Input));
        await accepted.Input.CompleteAsync();
        await accepted.Output.WriteAsync(new byte[] { (byte)(value + 100) }).AsTask().Within();
        await accepted.Output.CompleteAsync();

        Assert.Equal(new byte[] { (byte)(value + 100) }, await ReadToEndAsync(opened.Input));
        await opened.Input.CompleteAsync();
        return opened;
    }

    private static async Task<byte[]> ReadToEndAsync(PipeReader reader)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync().AsTask().Within();
            if (result.IsCompleted)
            {
                byte[] bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
