namespace Tether.Connections;

/// <summary>What a stream's window needs to know of its link: a clock, and the round trip the session measured.</summary>
internal interface ILinkTiming
{
    /// <summary>The session's clock.</summary>
    TimeProvider Time { get; }

    /// <summary>The last measured round trip (heartbeat or ping), or null before the first.</summary>
    TimeSpan? RoundTripTime { get; }

    /// <summary>Has the round trip measured now when it is not known yet (one ping per session), rather than at the first heartbeat.</summary>
    void MeasureRoundTrip();
}

/// <summary>
/// The receiving side of per-stream flow control (decision 0026): counts the items that arrived against the credit
/// granted, and decides the grants as the reader consumes. The window starts at
/// <see cref="Framing.ProtocolConstants.InitialStreamWindow"/> items; grants go out each time half of it was read, and
/// when two grants follow each other within two round trips of the link, the window, not the reader, is what limits the
/// stream (a long link drains a small window long before the next grant arrives), so it doubles, up to the receiver's
/// maximum. The auto-tuning rule of QUIC stacks (quiche, Chromium), so a long link is not throttled by a fixed window.
/// A session that has not measured its round trip yet (the heartbeat's first ping comes an interval after the start) is
/// asked to, by the first grant.
/// </summary>
/// <remarks>
/// One thread records arrivals (the receive loop) and one consumes (the stream's reader); the counters they share are
/// read and written with volatile semantics, so no lock is needed. <see cref="Granted"/> grows before the grant is sent,
/// so the items it allows are never refused. The clock is read once per grant, never per item.
/// </remarks>
internal sealed class StreamWindow
{
    private readonly int _maximum;
    private readonly ILinkTiming? _timing;
    private int _window = Framing.ProtocolConstants.InitialStreamWindow;
    private long _granted = Framing.ProtocolConstants.InitialStreamWindow;
    private long _arrived;
    private long _consumed;
    private long _lastGrantAt;

    /// <param name="maximum">The most items the receiver holds for the stream (at least the initial window).</param>
    /// <param name="timing">The link's clock and round trip; null keeps the window at its initial size.</param>
    public StreamWindow(int maximum, ILinkTiming? timing)
    {
        _maximum = Math.Max(maximum, Framing.ProtocolConstants.InitialStreamWindow);
        _timing = timing;
    }

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
    public int Consumed()
    {
        long consumed = ++_consumed;
        long granted = Volatile.Read(ref _granted);
        int window = _window;
        long outstanding = granted - consumed; // credit the sender still has, or items on their way
        if (outstanding > window / 2)
        {
            return 0;
        }

        if (window < _maximum && _timing is { } timing)
        {
            long now = timing.Time.GetTimestamp();
            if (timing.RoundTripTime is not { } roundTrip)
            {
                timing.MeasureRoundTrip(); // known a round trip from now, for the next grants
            }
            else if (_lastGrantAt != 0 && timing.Time.GetElapsedTime(_lastGrantAt, now) < 2 * roundTrip)
            {
                window = (int)Math.Min((long)window * 2, _maximum);
                Volatile.Write(ref _window, window);
            }

            _lastGrantAt = now;
        }

        int grant = (int)(window - outstanding);
        Volatile.Write(ref _granted, granted + grant);
        return grant;
    }
}
