using System.Buffers;
using System.Text;
using Tether.Serialization;

namespace Tether.Framing;

/// <summary>
/// Writes and reads the call headers block (<c>docs/wire-format.md</c> §6.9): with flag <see cref="FrameFlags.Headers"/>
/// a frame's payload starts with <c>varuint length</c> and that many bytes of entries, each <c>u8 tag</c>,
/// <c>varuint length</c>, value. Unknown tags are skipped, so later builds can add entries within version 3.
/// </summary>
internal static class CallHeaderCodec
{
    public const byte TagDeadline = 1;
    public const byte TagTraceParent = 2;
    public const byte TagTraceState = 3;
    public const byte TagText = 4;
    public const byte TagBinary = 5;
    public const byte TagIdempotencyKey = 6;
    public const byte TagPriority = 7;

    public const int TraceParentLength = 26;
    public const int MaxTraceStateBytes = 512;
    public const int MaxIdempotencyKeyBytes = 64;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The block's size without its length prefix (0 for empty headers).</summary>
    public static int GetBlockSize(in OutgoingCallHeaders headers)
    {
        int size = 0;
        if (headers.DeadlineMicros > 0)
        {
            size += EntrySize(Wire.VarUInt64Size((ulong)headers.DeadlineMicros));
        }

        if (!headers.TraceParent.IsEmpty)
        {
            size += EntrySize(TraceParentLength);
        }

        if (headers.TraceState is { } state)
        {
            size += EntrySize(Encoding.UTF8.GetByteCount(state));
        }

        if (headers.Metadata is { } metadata)
        {
            foreach (CallMetadataEntry entry in metadata)
            {
                int value = entry.IsBinary ? entry.Bytes.Length : Encoding.UTF8.GetByteCount(entry.Text!);
                size += EntrySize(Wire.VarUInt32Size((uint)entry.Key.Length) + entry.Key.Length + value);
            }
        }

        if (!headers.IdempotencyKey.IsEmpty)
        {
            size += EntrySize(headers.IdempotencyKey.Length);
        }

        if (headers.Priority >= 0)
        {
            size += EntrySize(1);
        }

        return size;
    }

    /// <summary>The block with its length prefix: what a frame's payload grows by.</summary>
    public static int GetPrefixedSize(int blockSize) => Wire.VarUInt32Size((uint)blockSize) + blockSize;

    /// <summary>Writes the length prefix and the block of <paramref name="blockSize"/> bytes; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, in OutgoingCallHeaders headers, int blockSize)
    {
        int at = WriteVarUInt(destination, (ulong)blockSize);
        if (headers.DeadlineMicros > 0)
        {
            at += WriteEntryHeader(destination[at..], TagDeadline, Wire.VarUInt64Size((ulong)headers.DeadlineMicros));
            at += WriteVarUInt(destination[at..], (ulong)headers.DeadlineMicros);
        }

        if (!headers.TraceParent.IsEmpty)
        {
            at += WriteEntryHeader(destination[at..], TagTraceParent, TraceParentLength);
            headers.TraceParent.Span[..TraceParentLength].CopyTo(destination[at..]);
            at += TraceParentLength;
        }

        if (headers.TraceState is { } state)
        {
            at += WriteEntryHeader(destination[at..], TagTraceState, Encoding.UTF8.GetByteCount(state));
            at += Encoding.UTF8.GetBytes(state, destination[at..]);
        }

        if (headers.Metadata is { } metadata)
        {
            foreach (CallMetadataEntry entry in metadata)
            {
                int value = entry.IsBinary ? entry.Bytes.Length : Encoding.UTF8.GetByteCount(entry.Text!);
                at += WriteEntryHeader(destination[at..], entry.IsBinary ? TagBinary : TagText, Wire.VarUInt32Size((uint)entry.Key.Length) + entry.Key.Length + value);
                at += WriteVarUInt(destination[at..], (ulong)entry.Key.Length);
                at += Encoding.ASCII.GetBytes(entry.Key, destination[at..]);
                if (entry.IsBinary)
                {
                    entry.Bytes.Span.CopyTo(destination[at..]);
                    at += entry.Bytes.Length;
                }
                else
                {
                    at += Encoding.UTF8.GetBytes(entry.Text!, destination[at..]);
                }
            }
        }

        if (!headers.IdempotencyKey.IsEmpty)
        {
            at += WriteEntryHeader(destination[at..], TagIdempotencyKey, headers.IdempotencyKey.Length);
            headers.IdempotencyKey.Span.CopyTo(destination[at..]);
            at += headers.IdempotencyKey.Length;
        }

        if (headers.Priority >= 0)
        {
            at += WriteEntryHeader(destination[at..], TagPriority, 1);
            destination[at++] = (byte)headers.Priority;
        }

        return at;
    }

    /// <summary>
    /// Reads the block at the start of <paramref name="payload"/>; <paramref name="rest"/> is what follows it (the body,
    /// or an error's text). Returns <see cref="TetherErrorCode.None"/>, <see cref="TetherErrorCode.InvalidCallHeaders"/>
    /// (malformed) or <see cref="TetherErrorCode.CallHeadersTooLarge"/> (over a limit), with <paramref name="problem"/> saying what.
    /// </summary>
    public static TetherErrorCode TryRead(in ReadOnlySequence<byte> payload, CallHeaderLimits limits, out IncomingCallHeaders? headers,
        out ReadOnlySequence<byte> rest, out string? problem)
    {
        headers = null;
        rest = default;
        var prefix = new SequenceReader<byte>(payload);
        if (!TryReadVarUInt(ref prefix, out ulong length))
        {
            problem = "The headers block's length is truncated or malformed.";
            return TetherErrorCode.InvalidCallHeaders;
        }

        if (length > (ulong)limits.MaxBytes)
        {
            problem = $"The call headers take {length:N0} bytes; the limit is {limits.MaxBytes:N0}.";
            return TetherErrorCode.CallHeadersTooLarge;
        }

        if ((ulong)prefix.Remaining < length)
        {
            problem = $"The headers block claims {length:N0} bytes; the frame has {prefix.Remaining:N0} after its length.";
            return TetherErrorCode.InvalidCallHeaders;
        }

        ReadOnlySequence<byte> block = payload.Slice(prefix.Consumed, (long)length);
        rest = payload.Slice(block.End);
        if (block.IsSingleSegment)
        {
            return Parse(block.FirstSpan, limits, out headers, out problem);
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            block.CopyTo(copy);
            return Parse(copy.AsSpan(0, (int)length), limits, out headers, out problem);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static TetherErrorCode Parse(ReadOnlySpan<byte> block, CallHeaderLimits limits, out IncomingCallHeaders? headers, out string? problem)
    {
        var result = new IncomingCallHeaders();
        headers = null;
        List<CallMetadataEntry>? metadata = null;
        int seen = 0; // bit per singleton tag already read
        int at = 0;
        while (at < block.Length)
        {
            byte tag = block[at++];
            if (!TryReadVarUInt(block, ref at, out ulong length) || length > (ulong)(block.Length - at))
            {
                problem = $"A header entry (tag {tag}) is truncated.";
                return TetherErrorCode.InvalidCallHeaders;
            }

            ReadOnlySpan<byte> value = block.Slice(at, (int)length);
            at += (int)length;
            if (tag == 0)
            {
                problem = "A header entry has tag 0.";
                return TetherErrorCode.InvalidCallHeaders;
            }

            if (tag is TagText or TagBinary)
            {
                metadata ??= [];
                if (metadata.Count == limits.MaxMetadataEntries)
                {
                    problem = $"The call carries more than {limits.MaxMetadataEntries} metadata entries.";
                    return TetherErrorCode.CallHeadersTooLarge;
                }

                if (ReadMetadataEntry(value, binary: tag == TagBinary, metadata, out problem) is not null and var entry)
                {
                    metadata.Add(entry.Value);
                    continue;
                }

                return TetherErrorCode.InvalidCallHeaders;
            }

            if (tag > TagPriority)
            {
                continue; // an entry a later build added: skipped
            }

            if ((seen & (1 << tag)) != 0)
            {
                problem = $"The header entry with tag {tag} appears twice.";
                return TetherErrorCode.InvalidCallHeaders;
            }

            seen |= 1 << tag;
            if (ReadSingleton(tag, value, result) is { } invalid)
            {
                problem = invalid;
                return TetherErrorCode.InvalidCallHeaders;
            }
        }

        if (metadata is not null)
        {
            result.Metadata = CallMetadata.FromWire(metadata);
        }

        headers = result;
        problem = null;
        return TetherErrorCode.None;
    }

    private static string? ReadSingleton(byte tag, ReadOnlySpan<byte> value, IncomingCallHeaders headers)
    {
        switch (tag)
        {
            case TagDeadline:
                int at = 0;
                if (!TryReadVarUInt(value, ref at, out ulong micros) || at != value.Length || micros is 0 or > long.MaxValue)
                {
                    return "The deadline entry is not a positive varuint filling its entry.";
                }

                headers.DeadlineMicros = (long)micros;
                return null;
            case TagTraceParent:
                if (value.Length != TraceParentLength)
                {
                    return $"The traceparent entry has {value.Length} bytes, not {TraceParentLength}.";
                }

                if (value[0] == 0)
                {
                    headers.TraceParent = value.ToArray(); // another version is ignored, as W3C asks of unknown versions here
                }

                return null;
            case TagTraceState:
                if (value.Length > MaxTraceStateBytes || !TryDecodeUtf8(value, out string? state))
                {
                    return $"The tracestate entry is longer than {MaxTraceStateBytes} bytes or not UTF-8.";
                }

                headers.TraceState = state;
                return null;
            case TagIdempotencyKey:
                if (value.Length is 0 or > MaxIdempotencyKeyBytes)
                {
                    return $"The idempotency key has {value.Length} bytes; it must have 1 to {MaxIdempotencyKeyBytes}.";
                }

                headers.IdempotencyKey = value.ToArray();
                return null;
            default: // TagPriority
                if (value.Length != 1)
                {
                    return "The priority entry must be one byte.";
                }

                headers.Priority = value[0];
                return null;
        }
    }

    private static CallMetadataEntry? ReadMetadataEntry(ReadOnlySpan<byte> value, bool binary, List<CallMetadataEntry> entries, out string? problem)
    {
        int at = 0;
        if (!TryReadVarUInt(value, ref at, out ulong keyLength) || keyLength is 0 or > CallMetadata.MaxKeyLength || keyLength > (ulong)(value.Length - at))
        {
            problem = "A metadata entry's key is empty, too long or truncated.";
            return null;
        }

        ReadOnlySpan<byte> keyBytes = value.Slice(at, (int)keyLength);
        foreach (byte c in keyBytes)
        {
            if (!CallMetadata.IsKeyChar(c))
            {
                problem = $"A metadata key has the byte 0x{c:X2}; keys use a-z, 0-9, '-', '_' and '.'.";
                return null;
            }
        }

        string key = Encoding.ASCII.GetString(keyBytes);
        foreach (CallMetadataEntry existing in entries)
        {
            if (string.Equals(existing.Key, key, StringComparison.Ordinal))
            {
                problem = $"The metadata key '{key}' appears twice.";
                return null;
            }
        }

        ReadOnlySpan<byte> data = value[(at + (int)keyLength)..];
        if (binary)
        {
            problem = null;
            return new CallMetadataEntry(key, null, data.ToArray());
        }

        if (!TryDecodeUtf8(data, out string? text))
        {
            problem = $"The value of metadata key '{key}' is not valid UTF-8.";
            return null;
        }

        problem = null;
        return new CallMetadataEntry(key, text, default);
    }

    private static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out string? text)
    {
        try
        {
            text = s_strictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }

    private static int EntrySize(int valueLength) => 1 + Wire.VarUInt32Size((uint)valueLength) + valueLength;

    private static int WriteEntryHeader(Span<byte> destination, byte tag, int valueLength)
    {
        destination[0] = tag;
        return 1 + WriteVarUInt(destination[1..], (ulong)valueLength);
    }

    private static int WriteVarUInt(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static bool TryReadVarUInt(ReadOnlySpan<byte> source, ref int at, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && at < source.Length; shift += 7)
        {
            byte b = source[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadVarUInt(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
