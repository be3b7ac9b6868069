using System.IO.Pipelines;
using Tether.Conformance.Tests.Support;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests;

/// <summary>The in-memory transport behaves like a socket where the runtime depends on it.</summary>
public sealed class InMemoryTransportTests
{
    /// <summary>
    /// The pump that carries one end's bytes to the other runs the peer's reader (its receive loop). Run inline in the
    /// flush that woke it, it ran that loop on the flushing thread, and the runtime flushes under its output lock: two
    /// ends flushing into each other's receive loops each waited for the other's lock (a CI run hung on it).
    /// </summary>
    [Fact]
    public async Task A_flush_does_not_run_the_peers_reader_on_the_flushing_thread()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N"));
        await using ITransportListener listener = await transport.BindAsync(endPoint, new TransportConnectionOptions());
        await using TransportConnection client = await transport.ConnectAsync(endPoint, new TransportConnectionOptions()).AsTask().Within();
        await using TransportConnection server = (await listener.AcceptAsync().AsTask().Within())!;

        using var insideFlush = new ThreadLocal<bool>();
        var readerRanInsideFlush = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task reading = ReadOnceAsync(); // waits first, so the arriving bytes resume it on whichever thread delivers them

        insideFlush.Value = true;
        ValueTask<FlushResult> flush = client.Output.WriteAsync(new byte[] { 42 }); // no await before the flag is cleared
        insideFlush.Value = false;
        await flush.AsTask().Within();

        Assert.False(await readerRanInsideFlush.Task.Within());
        await reading.Within();

        async Task ReadOnceAsync()
        {
            ReadResult result = await server.Input.ReadAsync().ConfigureAwait(false);
            readerRanInsideFlush.TrySetResult(insideFlush.Value);
            server.Input.AdvanceTo(result.Buffer.End);
        }
    }
}
