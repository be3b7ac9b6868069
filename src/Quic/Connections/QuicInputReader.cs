using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Tether.Quic.Connections;

/// <summary>
/// A stream's <see cref="PipeReader"/>: the input pipe's reader, reporting every byte the application consumes so
/// the stream can extend QUIC flow control by exactly that much. A reader that stops reading therefore stops its
/// peer at the stream window, and memory stays bounded by it.
/// </summary>
internal sealed class QuicInputReader(QuicStream stream, PipeReader inner) : PipeReader
{
    private ReadOnlySequence<byte> _lastBuffer;

    /// <inheritdoc />
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> pending = inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            ReadResult result = pending.Result;
            _lastBuffer = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }

        return Remember(pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per wait
    private async ValueTask<ReadResult> Remember(ValueTask<ReadResult> pending)
    {
        ReadResult result = await pending.ConfigureAwait(false);
        _lastBuffer = result.Buffer;
        return result;
    }

    /// <inheritdoc />
    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
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
        long bytes = _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        inner.AdvanceTo(consumed, examined);
        stream.OnConsumed(bytes);
    }

    /// <inheritdoc />
    public override void CancelPendingRead() => inner.CancelPendingRead();

    /// <inheritdoc />
    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        stream.OnInputAbandoned();
    }
}
