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
    private readonly byte[]? _staged; // a payload to compress: written here, framed at the commit (no lock held meanwhile)
    private readonly Framing.FrameHeader _stagedHeader;

    internal FrameReservation(FrameOutput owner, int payloadLength, int token)
    {
        _owner = owner;
        _payloadLength = payloadLength;
        _token = token;
    }

    /// <summary>A payload staged for compression (decision 0023): encoded into <paramref name="staged"/>, compressed and framed by <see cref="Commit"/>.</summary>
    internal FrameReservation(FrameOutput owner, byte[] staged, Framing.FrameHeader header)
    {
        _owner = owner;
        _payloadLength = header.PayloadLength;
        _staged = staged;
        _stagedHeader = header;
    }

    /// <summary>Nothing was reserved (no room): there is nothing to commit or drop.</summary>
    public bool IsEmpty => _owner is null;

    /// <summary>Sends the frame (or keeps it for replay) and releases the output.</summary>
    /// <exception cref="InvalidOperationException">The frame was already committed or dropped.</exception>
    public void Commit()
    {
        if (_staged is not null)
        {
            _owner!.CommitStaged(_staged, _stagedHeader);
        }
        else
        {
            _owner?.Commit(_token, _payloadLength);
        }
    }

    /// <summary>Drops the frame unless it was committed; releases the output either way (a staged payload holds no lock: one never committed is left to the GC).</summary>
    public void Dispose()
    {
        if (_staged is null)
        {
            _owner?.DropIfOpen(_token);
        }
    }
}
