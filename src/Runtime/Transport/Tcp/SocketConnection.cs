using System.Net;
using System.Net.Sockets;

namespace Tether.Transport.Tcp;

/// <summary>
/// One TCP connection, with neither pipes nor loops: its input read from the socket as the application asks
/// (<see cref="SocketInputReader"/>; the application not reading is the backpressure towards the peer) and its output
/// sent by the flush that commits it (<see cref="SocketOutputWriter"/>). A read waits with a zero-byte receive before
/// renting memory and sent blocks go back to the pool, so idle connections hold no buffer.
/// </summary>
internal sealed class SocketConnection : PipeTransportConnection
{
    private readonly Socket _socket;
    private readonly SocketOutputWriter _output;
    private readonly TimeSpan _closeTimeout;
    private int _disposed;

    public SocketConnection(Socket socket, TransportConnectionOptions options, TimeSpan closeTimeout)
        : base(options, sendLoopQueued: false, inputPipe: false, outputPipe: false)
    {
        _socket = socket;
        UseInput(new SocketInputReader(this, socket, options.MemoryPool, options.MinimumSegmentSize));
        _output = new SocketOutputWriter(this, socket, options);
        UseOutput(_output);
        _closeTimeout = closeTimeout;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public override string TransportName => "tcp";

    public override EndPoint? LocalEndPoint { get; }

    public override EndPoint? RemoteEndPoint { get; }

    /// <summary>The input reader received <paramref name="count"/> bytes.</summary>
    internal void CountReceived(int count) => AddBytesReceived(count);

    /// <summary>The output writer sent <paramref name="count"/> bytes.</summary>
    internal void CountSent(int count) => AddBytesSent(count);

    /// <summary>The input ended (the peer finished sending, or the socket failed): the closed token fires.</summary>
    internal void OnInputEnded() => SignalClosed();

    public override void Abort(Exception? reason = null)
    {
        // Closing the socket fails a receive or send in flight; each side records the end.
        _socket.Dispose();
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
            // Let flushed bytes leave (the writer shuts the send side down after them), but never wait on a peer
            // that stopped reading for longer than the close timeout.
            await _output.AllSent.WaitAsync(_closeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _socket.Dispose();
        await _output.AllSent.ConfigureAwait(false); // a send in flight fails now
        SignalClosed();
    }

    internal static bool IsClosing(Exception e) =>
        e is ObjectDisposedException
        || (e is SocketException s && s.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
            or SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted or SocketError.NotConnected or SocketError.TimedOut);

    internal static TetherException Closed(Exception e) =>
        new(TetherErrorCode.ConnectionClosed, "The connection was closed by the network or the peer.", e);
}
