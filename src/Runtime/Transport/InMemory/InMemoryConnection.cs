using System.Buffers;
using System.IO.Pipelines;
using System.Net;

namespace Tether.Transport.InMemory;

/// <summary>
/// One end of an in-process link. Each end has its own pipe pair with the same limits as a socket connection,
/// and a pump copies what one end sends into the other's input, so backpressure, byte counters and closing behave
/// as they do over TCP.
/// </summary>
internal sealed class InMemoryConnection : PipeTransportConnection
{
    private InMemoryConnection? _peer;
    private Task _pumping = Task.CompletedTask;
    private int _disposed;

    private InMemoryConnection(TransportConnectionOptions options, EndPoint local, EndPoint remote)
        : base(options, sendLoopQueued: true) // the pump runs the peer's receive loop: never inside this end's flush
    {
        LocalEndPoint = local;
        RemoteEndPoint = remote;
    }

    public override string TransportName => "inmemory";

    public override EndPoint? LocalEndPoint { get; }

    public override EndPoint? RemoteEndPoint { get; }

    public static (InMemoryConnection Client, InMemoryConnection Server) CreatePair(
        InMemoryEndPoint server, TransportConnectionOptions clientOptions, TransportConnectionOptions serverOptions, int clientNumber)
    {
        var clientEnd = new InMemoryEndPoint($"{server.Name}#client{clientNumber}");
        var client = new InMemoryConnection(clientOptions, clientEnd, server);
        var accepted = new InMemoryConnection(serverOptions, server, clientEnd);
        client._peer = accepted;
        accepted._peer = client;
        client._pumping = client.PumpAsync();
        accepted._pumping = accepted.PumpAsync();
        return (client, accepted);
    }

    /// <summary>Moves everything this end sends into the peer's input, honouring the peer's receive limit.</summary>
    private async Task PumpAsync()
    {
        PipeReader reader = SendReader;
        PipeWriter peerInput = _peer!.ReceivedWriter;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                long length = buffer.Length; // before AdvanceTo: the segments may be recycled after it
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    peerInput.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                AddBytesSent(length);
                _peer.AddBytesReceived(length);
                FlushResult flush = await peerInput.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
            await peerInput.CompleteAsync(error).ConfigureAwait(false);
            _peer.SignalClosed();
            SignalClosed();
        }
    }

    public override void Abort(Exception? reason = null)
    {
        var closed = new TetherException(TetherErrorCode.ConnectionClosed, "The in-memory link was aborted.", reason);
        SendReader.CancelPendingRead();
        _peer!.SendReader.CancelPendingRead();
        ReceivedWriter.Complete(closed);
        SignalClosed();
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Output.CompleteAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
        await _pumping.ConfigureAwait(false);
        SignalClosed();
    }
}
