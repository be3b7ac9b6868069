using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Transport;

/// <summary>
/// A link over a <see cref="Stream"/> on top of a socket (TLS over TCP: an <see cref="System.Net.Security.SslStream"/>):
/// a receive loop (stream → input pipe) and a send loop (output pipe → stream), like the plain socket connection.
/// The receive loop waits with a zero-byte read so an idle connection holds no buffer.
/// </summary>
internal sealed class StreamConnection : PipeTransportConnection
{
    private const int MinimumReceiveSize = 4096;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeSpan _closeTimeout;
    private readonly Func<Exception?, Exception?>? _explainEarlyClose;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _disposed;

    /// <param name="socket">The socket under <paramref name="stream"/>, closed with it.</param>
    /// <param name="stream">The stream the bytes pass through (already authenticated).</param>
    /// <param name="transportName">The name the connection reports.</param>
    /// <param name="remoteCertificate">The peer's validated certificate, if it sent one.</param>
    /// <param name="options">Pipe options.</param>
    /// <param name="closeTimeout">How long closing waits for queued bytes.</param>
    /// <param name="explainEarlyClose">Names the error the application sees when a read fails (given the exception) or the
    /// peer closes before sending a byte (given null), such as a typed TLS reason; returning null keeps the default.</param>
    public StreamConnection(Socket socket, Stream stream, string transportName, X509Certificate2? remoteCertificate,
        TransportConnectionOptions options, TimeSpan closeTimeout, Func<Exception?, Exception?>? explainEarlyClose = null)
        : base(options)
    {
        _socket = socket;
        _stream = stream;
        _closeTimeout = closeTimeout;
        _explainEarlyClose = explainEarlyClose;
        TransportName = transportName;
        RemoteCertificate = remoteCertificate;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public override string TransportName { get; }

    public override EndPoint? LocalEndPoint { get; }

    public override EndPoint? RemoteEndPoint { get; }

    public override X509Certificate2? RemoteCertificate { get; }

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
                await _stream.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                Memory<byte> buffer = writer.GetMemory(MinimumReceiveSize);
                int received = await _stream.ReadAsync(buffer).ConfigureAwait(false);
                if (received == 0)
                {
                    if (BytesReceived == 0)
                    {
                        error = _explainEarlyClose?.Invoke(null);
                    }

                    break;
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
        catch (Exception e)
        {
            error = (BytesReceived == 0 ? _explainEarlyClose?.Invoke(e) : null) ?? (IsClosing(e) ? Closed(e) : e);
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

                System.Buffers.ReadOnlySequence<byte> buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await WriteAsync(buffer).ConfigureAwait(false);
                    AddBytesSent(buffer.Length);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await CloseWriteAsync().ConfigureAwait(false);
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAsync(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            await _stream.WriteAsync(segment).ConfigureAwait(false);
        }

        await _stream.FlushAsync().ConfigureAwait(false);
    }

    private async Task CloseWriteAsync()
    {
        // TLS first says goodbye (close_notify), then the socket stops sending.
        if (_stream is System.Net.Security.SslStream ssl)
        {
            await ssl.ShutdownAsync().ConfigureAwait(false);
        }

        _socket.Shutdown(SocketShutdown.Send);
    }

    public override void Abort(Exception? reason = null)
    {
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
            await _sending.WaitAsync(_closeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _socket.Dispose();
        SendReader.CancelPendingRead();
        await _receiving.ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        SignalClosed();
    }

    private static bool IsClosing(Exception e) =>
        e is ObjectDisposedException or IOException
        || (e is SocketException s && s.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
            or SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted or SocketError.NotConnected or SocketError.TimedOut);

    private static TetherException Closed(Exception e) =>
        new(TetherErrorCode.ConnectionClosed, "The connection was closed by the network or the peer.", e);
}
