namespace Tether.Framing;

/// <summary>Outcome of <c>FrameParser.TryRead</c>. Errors are values, not exceptions: they are a peer's fault, not ours.</summary>
internal enum FrameParseStatus
{
    /// <summary>A whole frame was read.</summary>
    Complete,

    /// <summary>The input ends inside a header or payload; read more and try again.</summary>
    NeedMoreData,

    /// <summary>The header claims a payload larger than the limit. Detected from the header alone, before any payload is buffered.</summary>
    FrameTooLarge,

    /// <summary>Unknown frame type, unknown flags or a non-zero reserved field.</summary>
    InvalidHeader,
}
