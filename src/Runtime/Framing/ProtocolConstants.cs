namespace Tether.Framing;

/// <summary>Numbers fixed by the wire format (<c>docs/wire-format.md</c> §6).</summary>
internal static class ProtocolConstants
{
    /// <summary>
    /// The protocol version this build speaks, the only one (what its hello header carries). Version 3 dispatches calls by
    /// method id (versions 1 and 2, by message id, are refused with <see cref="TetherErrorCode.UnsupportedVersion"/>);
    /// the hello carries the negotiation block and resumable sessions sequence and acknowledge frames.
    /// </summary>
    public const int Version = 3;

    /// <summary>Largest hello payload accepted (the negotiation block is small; a bigger one is hostile).</summary>
    public const int MaxHelloBytes = 16 * 1024;

    /// <summary>Most entries in any list of the negotiation block (versions, transports, capabilities).</summary>
    public const int MaxNegotiationEntries = 64;

    /// <summary>Size of a resume token in bytes.</summary>
    public const int ResumeTokenSize = 32;

    /// <summary>First four payload bytes of a <see cref="FrameType.Hello"/>: ASCII "TETH".</summary>
    public const uint HelloMagic = 0x48544554;

    /// <summary>Smallest maximum frame size a peer may announce (a peer announcing less is refused).</summary>
    public const int MinMaxFrameSize = 4 * 1024;

    /// <summary>Largest maximum frame size a peer may announce (the header's length field could say more; we never accept it).</summary>
    public const int MaxMaxFrameSize = 256 * 1024 * 1024;

    /// <summary>Longest error text carried by an <see cref="FrameType.Error"/> or <see cref="FrameType.GoAway"/> frame, in bytes.</summary>
    public const int MaxErrorTextBytes = 1024;

    /// <summary>
    /// Stream items a sender may send before the first grant (per stream, both directions; <c>docs/wire-format.md</c>
    /// §6.11). Receivers grant more as their readers consume.
    /// </summary>
    public const int InitialStreamWindow = 32;
}
