namespace Tether.Framing;

/// <summary>Numbers fixed by the wire format (<c>docs/wire-format.md</c> §6).</summary>
public static class ProtocolConstants
{
    /// <summary>The frame-format version this build speaks.</summary>
    public const int Version = 1;

    /// <summary>First four payload bytes of a <see cref="FrameType.Hello"/>: ASCII "TETH".</summary>
    public const uint HelloMagic = 0x48544554;

    /// <summary>Smallest maximum frame size a peer may announce (a peer announcing less is refused).</summary>
    public const int MinMaxFrameSize = 4 * 1024;

    /// <summary>Largest maximum frame size a peer may announce (the header's length field could say more; we never accept it).</summary>
    public const int MaxMaxFrameSize = 256 * 1024 * 1024;

    /// <summary>Longest error text carried by an <see cref="FrameType.Error"/> or <see cref="FrameType.GoAway"/> frame, in bytes.</summary>
    public const int MaxErrorTextBytes = 1024;
}
