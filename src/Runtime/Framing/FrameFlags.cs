namespace Tether.Framing;

/// <summary>Per-frame flags (byte 5 of the header). Unknown bits are a protocol violation in version 1.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "'Flags' is the wire format's name for this header byte.")]
internal enum FrameFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>On <see cref="FrameType.Response"/>: the method completed without a result; the payload is empty.</summary>
    Empty = 0x01,

    /// <summary>On <see cref="FrameType.Request"/>: the caller expects a stream (items then <see cref="FrameType.End"/>).</summary>
    Stream = 0x02,

    /// <summary>
    /// On <see cref="FrameType.Request"/> and <see cref="FrameType.Message"/>: the id field is the payload's message id, not
    /// a method id, and the receiver routes the call to its only method of that kind taking that message (sent by the
    /// untyped APIs, <c>RequestAsync</c>, <c>SendAsync</c> and broadcasts; generated clients call by method id).
    /// </summary>
    ByMessageType = 0x04,

    /// <summary>
    /// On <see cref="FrameType.Request"/> and <see cref="FrameType.Message"/>: the payload starts with the call's headers
    /// block (deadline, metadata, trace context; <c>docs/wire-format.md</c> §6.9). On <see cref="FrameType.Response"/>,
    /// <see cref="FrameType.End"/> and <see cref="FrameType.Error"/>: it starts with the answer's trailing metadata.
    /// </summary>
    Headers = 0x08,

    /// <summary>
    /// On <see cref="FrameType.Request"/>, <see cref="FrameType.Response"/>, <see cref="FrameType.Message"/> and
    /// <see cref="FrameType.StreamItem"/> of a session that negotiated compression: the payload is compressed
    /// (<c>[algorithm][uncompressed length][data]</c>, <c>docs/wire-format.md</c> §6.10); inflated, it is the payload as
    /// it would have been sent without this flag.
    /// </summary>
    Compressed = 0x10,

    /// <summary>
    /// On <see cref="FrameType.Request"/>: the call's input is a stream. The request carries no message (only its
    /// headers block, if any); the input follows as <see cref="FrameType.InputItem"/> frames and one
    /// <see cref="FrameType.InputEnd"/>.
    /// </summary>
    InputStream = 0x20,

    /// <summary>
    /// On any sequenced frame of a resumable session (version 2): the sender's replay buffer has grown by an eighth of
    /// its bounds since it last asked, and the receiver should acknowledge at the end of its current receive batch.
    /// </summary>
    AckRequested = 0x80,
}
