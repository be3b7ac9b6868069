using System.IO.Pipelines;

namespace Tether.Quic.Connections;

/// <summary>
/// A stream's <see cref="PipeWriter"/>: the output pipe's writer, telling the connection after every flush and at
/// completion that the stream has something to send. No loop per stream waits on the pipe; the connection's one send
/// pass picks up every stream flushed since its last pass and packs them into shared packets.
/// </summary>
internal sealed class QuicStreamWriter(QuicStream stream, PipeWriter inner) : PipeWriter
{
    private bool _completed;

    /// <inheritdoc />
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    /// <inheritdoc />
    public override long UnflushedBytes => inner.UnflushedBytes;

    /// <inheritdoc />
    public override void Advance(int bytes)
    {
        ThrowIfCompleted();
        inner.Advance(bytes);
    }

    /// <inheritdoc />
    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfCompleted();
        return inner.GetMemory(sizeHint);
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        ThrowIfCompleted();
        return inner.GetSpan(sizeHint);
    }

    /// <inheritdoc />
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        // The pipe commits the bytes before it may wait for room, so the send pass can take them at once.
        ValueTask<FlushResult> flushed = inner.FlushAsync(cancellationToken);
        stream.OnFlushed();
        return flushed;
    }

    /// <inheritdoc />
    public override void CancelPendingFlush()
    {
        if (!_completed)
        {
            inner.CancelPendingFlush();
        }
    }

    /// <inheritdoc />
    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        inner.Complete(exception);
        stream.OnFlushed(); // the FIN (or the end of a drained stream) is the send pass's to write
        stream.ReleasePipes(); // the pipe may serve another stream from now on: this writer never touches it again
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }
}
