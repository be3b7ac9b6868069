namespace Tether.Connections;

/// <summary>
/// A frame being written into a <see cref="FrameOutput"/>: its header is in place and the output's lock is held until
/// <see cref="Commit"/> sends it or <see cref="Dispose"/> drops it. Written as
/// <c>using FrameReservation frame = output.Begin(..., out Span&lt;byte&gt; payload); Encode(payload); frame.Commit();</c>,
/// so an encoder that throws leaves no frame open and no lock held.
/// </summary>
internal readonly struct FrameReservation : IDisposable
{
    private readonly FrameOutput? _owner;
    private readonly int _payloadLength;
    private readonly int _token;

    internal FrameReservation(FrameOutput owner, int payloadLength, int token)
    {
        _owner = owner;
        _payloadLength = payloadLength;
        _token = token;
    }

    /// <summary>Nothing was reserved (no room): there is nothing to commit or drop.</summary>
    public bool IsEmpty => _owner is null;

    /// <summary>Sends the frame (or keeps it for replay) and releases the output.</summary>
    /// <exception cref="InvalidOperationException">The frame was already committed or dropped.</exception>
    public void Commit() => _owner?.Commit(_token, _payloadLength);

    /// <summary>Drops the frame unless it was committed; releases the output either way.</summary>
    public void Dispose() => _owner?.DropIfOpen(_token);
}
