using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Tether.Transport.Tcp;

/// <summary>
/// One TCP connection: a receive loop (socket → input pipe) and a send loop (output pipe → socket), after
/// Kestrel. The receive loop waits with a zero-byte read before renting memory, so idle connections hold no
/// buffer; a flush of the input pipe that does not complete stops reading (backpressure towards the peer).
/// </summary>
internal sealed class SocketConnection : PipeTransportConnection
{
    private const int MinimumReceiveSize = 4096;

    private readonly Socket _socket;
    private readonly TimeSpan _closeTimeout;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _disposed;

    public SocketConnection(Socket socket, TransportConnectionOptions options, TimeSpan closeTimeout)
        : base(options)
    {
        _socket = socket;
        _closeTimeout = closeTimeout;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public override string TransportName => "tcp";

    public override EndPoint? LocalEndPoint { get; }

    public override EndPoint? RemoteEndPoint { get; }

    public void Start()
    {
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    private async Task ReceiveLoopAsync()
    {
        PipeWriter writer = ReceivedWriter;
        Exception? error = null;
        try
        {
            while (true)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                Memory<byte> buffer = writer.GetMemory(MinimumReceiveSize);
                int received = await _socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break; // the peer finished sending
                }

                writer.Advance(received);
                AddBytesReceived(received);
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (IsClosing(e))
        {
            error = Closed(e);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            await writer.CompleteAsync(error).ConfigureAwait(false);
            SignalClosed();
        }
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = SendReader;
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
                if (!buffer.IsEmpty)
                {
                    await SendAsync(buffer).ConfigureAwait(false);
                    AddBytesSent(buffer.Length);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (IsClosing(e))
        {
            error = Closed(e);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    // Pooled: a send that does not complete at once (a full socket buffer) would otherwise allocate its state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await SendAllAsync(buffer.First).ConfigureAwait(false);
            return;
        }

        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            await SendAllAsync(segment).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data.Slice(sent);
        }
    }

    public override void Abort(Exception? reason = null)
    {
        // Closing the socket ends both loops; the output reader is cancelled in case it is idle.
        _socket.Dispose();
        SendReader.CancelPendingRead();
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
        try
        {
            // Let queued bytes leave (the send loop shuts the send side down after them), but never wait on a
            // peer that stopped reading for longer than the close timeout.
            await _sending.WaitAsync(_closeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _socket.Dispose();
        SendReader.CancelPendingRead();
        await _receiving.ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        SignalClosed();
    }

    private static bool IsClosing(Exception e) =>
        e is ObjectDisposedException
        || (e is SocketException s && s.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
            or SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted or SocketError.NotConnected or SocketError.TimedOut);

    private static TetherException Closed(Exception e) =>
        new(TetherErrorCode.ConnectionClosed, "The connection was closed by the network or the peer.", e);
}
