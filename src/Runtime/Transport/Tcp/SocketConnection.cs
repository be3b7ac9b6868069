using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Tether.Transport.Tcp;

/// <summary>
/// One TCP connection: its input read from the socket as the application asks (<see cref="SocketInputReader"/>: no
/// input pipe, no receive loop; the application not reading is the backpressure towards the peer) and a send loop
/// (output pipe → socket), after Kestrel. A read waits with a zero-byte receive before renting memory, so idle
/// connections hold no buffer.
/// </summary>
internal sealed class SocketConnection : PipeTransportConnection
{
    private readonly Socket _socket;
    private readonly TimeSpan _closeTimeout;
    private Task _sending = Task.CompletedTask;
    private int _disposed;

    public SocketConnection(Socket socket, TransportConnectionOptions options, TimeSpan closeTimeout)
        : base(options, sendLoopQueued: false, inputPipe: false)
    {
        _socket = socket;
        UseInput(new SocketInputReader(this, socket, options.MemoryPool, options.MinimumSegmentSize));
        _closeTimeout = closeTimeout;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public override string TransportName => "tcp";

    public override EndPoint? LocalEndPoint { get; }

    public override EndPoint? RemoteEndPoint { get; }

    public void Start() => _sending = SendLoopAsync();

    /// <summary>The input reader received <paramref name="count"/> bytes.</summary>
    internal void CountReceived(int count) => AddBytesReceived(count);

    /// <summary>The input ended (the peer finished sending, or the socket failed): the closed token fires.</summary>
    internal void OnInputEnded() => SignalClosed();

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
        await _sending.ConfigureAwait(false);
        SignalClosed();
    }

    internal static bool IsClosing(Exception e) =>
        e is ObjectDisposedException
        || (e is SocketException s && s.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
            or SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted or SocketError.NotConnected or SocketError.TimedOut);

    internal static TetherException Closed(Exception e) =>
        new(TetherErrorCode.ConnectionClosed, "The connection was closed by the network or the peer.", e);
}
