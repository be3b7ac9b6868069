using Tether.Connections;
using Tether.Framing;

namespace Tether;

/// <summary>
/// Writes the request stream of a client-streaming or bidirectional call. Safe to use from several threads at once:
/// each item goes out whole, in the order the writes took their credit. A write waits while the handler's side has no
/// credit left (per-stream flow control, decision 0026) or the link's send buffer is full; it fails at once, with the
/// reason, once the call is over or the connection is closed.
/// </summary>
/// <typeparam name="T">The request message.</typeparam>
public sealed class RequestStreamWriter<T> : IInputSender
    where T : IMessage<T>
{
    private readonly StreamCredit _credit = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameOutput? _output;
    private uint _callId;
    private Exception? _ended;
    private int _writing;
    private int _completed;

    internal RequestStreamWriter() => _credit.Reset(ProtocolConstants.InitialStreamWindow);

    StreamCredit IInputSender.Credit => _credit;

    /// <summary>
    /// Where the items go, once the call is registered and its request sent. Until then (client interceptors run first)
    /// writes wait for it.
    /// </summary>
    internal void Attach(FrameOutput output, uint callId)
    {
        _callId = callId;
        Volatile.Write(ref _output, output);
        _opened.TrySetResult();
    }

    void IInputSender.End(Exception reason) => End(reason);

    /// <summary>The call is over (or never opened: an interceptor answered or refused it): writes fail with <paramref name="reason"/>.</summary>
    internal void End(Exception reason)
    {
        Interlocked.CompareExchange(ref _ended, reason, null);
        _credit.Close(reason);
        _opened.TrySetResult();
    }

    /// <summary>Whether the call is over (writes fail with why), as opposed to a write failing for its own reason.</summary>
    internal bool HasEnded => Volatile.Read(ref _ended) is not null;

    /// <summary>Whether <see cref="CompleteAsync"/> was called.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Sends <paramref name="message"/> as the next item of the stream.</summary>
    /// <param name="message">The item.</param>
    /// <param name="cancellationToken">Stops waiting for credit or room (the call goes on; the item is not sent).</param>
    /// <exception cref="TetherException">The call is over (<see cref="TetherErrorCode.InputStreamClosed"/>, or the error it ended with) or the connection is closed.</exception>
    public ValueTask WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writing);
        try
        {
            ThrowIfClosed();
            if (Volatile.Read(ref _output) is not { } output)
            {
                return WriteWhenOpenAsync(message, cancellationToken);
            }

            if (_credit.TryTake())
            {
                if (!output.IsSchedulerBusy && output.WriteCall(FrameType.InputItem, FrameFlags.None, _callId, T.MessageId, in message, OutgoingCallHeaders.None, requireRoom: true))
                {
                    Interlocked.Decrement(ref _writing);
                    return default;
                }

                return WriteWithCreditAsync(message, cancellationToken);
            }

            return WriteSlowAsync(message, cancellationToken);
        }
        catch (Exception e)
        {
            Interlocked.Decrement(ref _writing);
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Ends the request stream: the handler reads its end after every item written. Call it once no write is in progress.</summary>
    /// <exception cref="InvalidOperationException">A write has not finished yet.</exception>
    public ValueTask CompleteAsync()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return default;
        }

        if (Volatile.Read(ref _writing) != 0)
        {
            Volatile.Write(ref _completed, 0);
            return ValueTask.FromException(new InvalidOperationException("A write to the request stream is still in progress; await it before completing the stream."));
        }

        return _opened.Task.IsCompleted ? SendEnd() : CompleteWhenOpenAsync();
    }

    private async ValueTask CompleteWhenOpenAsync()
    {
        await _opened.Task.ConfigureAwait(false);
        await SendEnd().ConfigureAwait(false);
    }

    private ValueTask SendEnd()
    {
        if (Volatile.Read(ref _ended) is { } ended)
        {
            return ValueTask.FromException(Closed(ended));
        }

        try
        {
            _output!.WriteControl(FrameType.InputEnd, _callId, 0);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>The call is not open yet (client interceptors run first): the write waits for it, then goes the usual way.</summary>
    private async ValueTask WriteWhenOpenAsync(T message, CancellationToken cancellationToken)
    {
        try
        {
            await _opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfClosed();
        }
        catch
        {
            Interlocked.Decrement(ref _writing);
            throw;
        }

        await WriteSlowAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteSlowAsync(T message, CancellationToken cancellationToken)
    {
        try
        {
            while (!_credit.TryTake())
            {
                await _credit.WaitAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfClosed();
            }
        }
        catch
        {
            Interlocked.Decrement(ref _writing);
            throw;
        }

        await WriteWithCreditAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Credit is taken: the item waits its turn and for room in the send buffer, as a one-way send does.</summary>
    private async ValueTask WriteWithCreditAsync(T message, CancellationToken cancellationToken)
    {
        try
        {
            FrameOutput output = _output!;
            while (!output.WriteCall(FrameType.InputItem, FrameFlags.None, _callId, T.MessageId, in message, OutgoingCallHeaders.None, requireRoom: true))
            {
                ThrowIfClosed();
                await output.WaitForSpaceAsync(includeReplay: true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _writing);
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _completed) != 0)
        {
            throw new InvalidOperationException("The request stream was completed; no more items can be written.");
        }

        if (Volatile.Read(ref _ended) is { } ended)
        {
            throw Closed(ended);
        }
    }

    // A call that failed reports its own error at the write (a dead link says so); one that simply ended says it is closed.
    private static Exception Closed(Exception reason) => reason is TetherException or OperationCanceledException
        ? reason
        : new TetherException(TetherErrorCode.InputStreamClosed, reason.Message);
}
