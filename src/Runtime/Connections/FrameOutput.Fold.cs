using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// A call's own output (one QUIC stream per call) moving onto the link's output after a resume: the frames the peer
/// may lack are sent again on the link's stream behind a <see cref="FrameType.Moved"/> marker, and every later frame
/// of the call is written there too.
/// </summary>
internal sealed partial class FrameOutput
{
    private FrameOutput? _redirect;
    private bool _finishing;

    /// <summary>Whether this call output now writes into the link's output.</summary>
    public bool IsRedirected => Volatile.Read(ref _redirect) is not null;

    /// <summary>
    /// Moves this call's output onto <paramref name="link"/> (the session's output, already resumed): writes a
    /// <see cref="FrameType.Moved"/> marker naming the call and the number (on its stream) of the first frame that
    /// follows, then every frame this side kept because the peer had not acknowledged it, renumbered in the link's
    /// sequence; from then on writers of the call write into <paramref name="link"/>. Returns the frames moved.
    /// </summary>
    /// <param name="link">The session's output.</param>
    /// <param name="callId">The call.</param>
    /// <param name="senderIsCaller">Whether this side started the call (the marker tells the receiver whose call id it is).</param>
    public int FoldInto(FrameOutput link, uint callId, bool senderIsCaller)
    {
        // Lock order: a call's output, then the link's. Writers of the call hold only the call's lock while a frame is
        // open, and let go of it before they write into the link's output once redirected.
        lock (_lock)
        {
            if (_redirect is not null)
            {
                return 0;
            }

            int moved = 0;
            if (_replay is { Count: > 0 } replay)
            {
                Span<byte> first = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(first, replay.FirstSequence);
                link.WriteControl(FrameType.Moved, callId, senderIsCaller ? 0 : 1, first);
                moved = replay.ReplayAfter(0, link, static (target, frame) => target.WriteMovedFrame(frame));
            }

            _replay?.Dispose();
            Volatile.Write(ref _redirect, link);
            _closed = true;
            return moved;
        }
    }

    /// <summary>
    /// A call's output: no more frames; what was written leaves, then the stream's direction ends (FIN). If a flush is
    /// running, it ends the pipe when it is done (the pipe's writer takes one caller at a time).
    /// </summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_redirect is not null || _finishing || _closed)
            {
                return;
            }

            _finishing = true;
            if (!_flushing)
            {
                CompleteWriterLocked();
            }
        }
    }

    private void CompleteWriterLocked()
    {
        _closed = true;
        _writer?.Complete(); // commits what was written but not flushed yet
    }

    /// <summary>Writes a frame kept by a call's output, as a new sequenced frame of this output (numbered here).</summary>
    private void WriteMovedFrame(ReadOnlySpan<byte> frame)
    {
        using FrameReservation reservation = Reserve(frame.Length, sequenced: true, requireRoom: false, (FrameType)frame[FrameHeader.TypeOffset], 0, out Span<byte> destination);
        frame.CopyTo(destination);
        destination[FrameHeader.FlagsOffset] &= unchecked((byte)~FrameFlags.AckRequested); // the call stream's request, not ours
        reservation.Commit();
    }
}
