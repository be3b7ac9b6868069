using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Tether.Quic.Connections;

/// <summary>
/// A stream's <see cref="PipeReader"/>: the input pipe's reader, reporting every byte the application consumes so
/// the stream can extend QUIC flow control by exactly that much. A reader that stops reading therefore stops its
/// peer at the stream window, and memory stays bounded by it.
/// </summary>
internal sealed class QuicInputReader : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly QuicStream _stream;
    private readonly PipeReader _inner;
    private readonly Action _onInnerRead;
    private ReadOnlySequence<byte> _lastBuffer;
    private bool _completed;
    // A read that has to wait completes through this reader itself rather than an async method: one box per wait
    // was ~400 bytes per call (the pooling builder's cache misses with many streams waiting at once).
    private ManualResetValueTaskSourceCore<ReadResult> _wait;
    private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _pending;

    public QuicInputReader(QuicStream stream, PipeReader inner)
    {
        _stream = stream;
        _inner = inner;
        _onInnerRead = OnInnerRead;
    }

    /// <inheritdoc />
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        ValueTask<ReadResult> pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            ReadResult result = pending.Result;
            _lastBuffer = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }

        _wait.Reset();
        _pending = pending.ConfigureAwait(false).GetAwaiter();
        _pending.UnsafeOnCompleted(_onInnerRead);
        return new ValueTask<ReadResult>(this, _wait.Version);
    }

    /// <summary>The pipe's read completed (on the pipe's reader scheduler): remember the buffer, then wake the caller here.</summary>
    private void OnInnerRead()
    {
        ReadResult result;
        try
        {
            result = _pending.GetResult();
        }
        catch (Exception e)
        {
            _pending = default;
            _wait.SetException(e);
            return;
        }

        _pending = default;
        _lastBuffer = result.Buffer;
        _wait.SetResult(result);
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc />
    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (_inner.TryRead(out result))
        {
            _lastBuffer = result.Buffer;
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        long bytes = _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        _inner.AdvanceTo(consumed, examined);
        _stream.OnConsumed(bytes);
    }

    /// <inheritdoc />
    public override void CancelPendingRead()
    {
        if (!_completed)
        {
            _inner.CancelPendingRead();
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
        _inner.Complete(exception);
        _stream.OnInputAbandoned();
        _stream.ReleasePipes(); // the pipe may serve another stream from now on: this reader never touches it again
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }
}
