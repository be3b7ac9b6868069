namespace Tether;

/// <summary>
/// Every failure the framework can report. The numeric values are stable on the wire (error frames
/// carry them) and grouped by range: 1xxx decoding and encoding, 2xxx dispatch and calls,
/// 3xxx protocol and transport, 4xxx sessions, 5xxx limits.
/// </summary>
/// <remarks>The name, default message, retryability and category of each code live in <see cref="TetherErrors"/>.</remarks>
public enum TetherErrorCode
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ended before the value being read was complete.</summary>
    DecodeTruncated = 1001,

    /// <summary>A length or count prefix is negative, too large, or claims more bytes than the input holds.</summary>
    DecodeLengthOutOfRange = 1002,

    /// <summary>A string's bytes are not valid UTF-8.</summary>
    DecodeInvalidUtf8 = 1003,

    /// <summary>Messages are nested deeper than the configured limit.</summary>
    DecodeDepthExceeded = 1004,

    /// <summary>A value is outside its type's valid range (bool, decimal, date, time zone offset, dictionary key).</summary>
    DecodeInvalidValue = 1005,

    /// <summary>A variable-length integer is longer than its type allows.</summary>
    DecodeMalformedVarint = 1006,

    /// <summary>A message's declared length does not match the bytes its members occupy.</summary>
    DecodeLengthMismatch = 1007,

    /// <summary>A fixed destination span is too small for the encoded message.</summary>
    EncodeBufferTooSmall = 1101,

    /// <summary>Messages are nested deeper than the configured limit while encoding (often a cycle).</summary>
    EncodeDepthExceeded = 1102,

    /// <summary>A value cannot be encoded (for example a collection longer than the format allows).</summary>
    EncodeInvalidValue = 1103,

    /// <summary>No handler is registered for the message id.</summary>
    UnknownMessage = 2001,

    /// <summary>A handler threw an exception.</summary>
    HandlerFailed = 2002,
}
