namespace Tether.Connections;

/// <summary>
/// The receiving side of per-stream flow control (decision 0026): counts the items that arrived against the credit
/// granted, and decides the grants as the reader consumes. The window starts at
/// <see cref="Framing.ProtocolConstants.InitialStreamWindow"/> items and doubles, up to the receiver's maximum, whenever
/// the reader drains every item while the sender has used all its credit: the link, not the reader, was the limit, as
/// on a long link where a fixed window would throttle the stream.
/// </summary>
/// <remarks>
/// One thread records arrivals (the receive loop) and one consumes (the stream's reader); the counters they share are
/// read and written with volatile semantics, so no lock is needed. <see cref="Granted"/> grows before the grant is sent,
/// so the items it allows are never refused.
/// </remarks>
internal sealed class StreamWindow
{
    private readonly int _maximum;
    private int _window = Framing.ProtocolConstants.InitialStreamWindow;
    private long _granted = Framing.ProtocolConstants.InitialStreamWindow;
    private long _arrived;
    private long _consumed;

    /// <param name="maximum">The most items the receiver holds for the stream (at least the initial window).</param>
    public StreamWindow(int maximum) => _maximum = Math.Max(maximum, Framing.ProtocolConstants.InitialStreamWindow);

    /// <summary>The current window: the most items the sender may have in flight.</summary>
    public int Window => Volatile.Read(ref _window);

    /// <summary>Items the sender may have sent so far (the initial window and every grant).</summary>
    public long Granted => Volatile.Read(ref _granted);

    /// <summary>An item arrived (receive loop): false when the sender had no credit for it, a protocol violation.</summary>
    public bool Arrived() => Interlocked.Increment(ref _arrived) <= Volatile.Read(ref _granted);

    /// <summary>
    /// The reader took an item (reader's thread); returns how many items to grant now (0: none yet). Grants go out when
    /// half the window is used, so there is one grant frame per half window, not per item.
    /// </summary>
    /// <param name="drained">The reader has nothing more buffered after this item.</param>
    public int Consumed(bool drained)
    {
        long consumed = ++_consumed;
        long granted = Volatile.Read(ref _granted);
        int window = Volatile.Read(ref _window);
        if (drained && window < _maximum && Volatile.Read(ref _arrived) >= granted)
        {
            // The sender is waiting for credit and the reader is waiting for items: the window, not the reader, limits.
            window = (int)Math.Min((long)window * 2, _maximum);
            Volatile.Write(ref _window, window);
        }

        long outstanding = granted - consumed; // credit the sender still has, or items on their way
        if (outstanding > window / 2)
        {
            return 0;
        }

        int grant = (int)(window - outstanding);
        Volatile.Write(ref _granted, granted + grant);
        return grant;
    }
}
