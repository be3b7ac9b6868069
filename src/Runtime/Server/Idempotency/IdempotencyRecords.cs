using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Tether.Framing;

namespace Tether.Server.Idempotency;

/// <summary>
/// A kept result as the durable map stores it (decision 0022): expiry (Unix milliseconds), request hash, kind, code,
/// message id, then three length-prefixed parts: body, error message (UTF-8), trailing metadata (a call-headers block).
/// </summary>
internal static class IdempotencyRecords
{
    private const int FixedSize = 8 + IdempotencyCache.HashBytes + 1 + 4 + 4;

    public static byte[] Encode(DateTimeOffset expiresAt, byte[] requestHash, IdempotentResult result)
    {
        byte[] message = result.Message is { } text ? Encoding.UTF8.GetBytes(text) : [];
        var headers = new OutgoingCallHeaders { Metadata = result.Trailers, Priority = -1 };
        int blockSize = result.Trailers is { Count: > 0 } ? CallHeaderCodec.GetBlockSize(headers) : 0;
        int trailerBytes = blockSize == 0 ? 0 : CallHeaderCodec.GetPrefixedSize(blockSize);
        byte[] record = new byte[FixedSize + 4 + result.Body.Length + 4 + message.Length + 4 + trailerBytes];
        Span<byte> at = record;
        BinaryPrimitives.WriteInt64LittleEndian(at, expiresAt.ToUnixTimeMilliseconds());
        requestHash.CopyTo(at[8..]);
        at = at[(8 + IdempotencyCache.HashBytes)..];
        at[0] = (byte)result.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(at[1..], (int)result.Code);
        BinaryPrimitives.WriteInt32LittleEndian(at[5..], result.MessageId);
        at = at[9..];
        at = WritePart(at, result.Body);
        at = WritePart(at, message);
        BinaryPrimitives.WriteInt32LittleEndian(at, trailerBytes);
        if (blockSize != 0)
        {
            CallHeaderCodec.Write(at[4..], headers, blockSize);
        }

        return record;
    }

    /// <summary>Reads a record; false for one this version cannot read (it is then dropped, and its call would run again).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> record, out DateTimeOffset expiresAt, out byte[] requestHash, out IdempotentResult? result)
    {
        expiresAt = default;
        requestHash = [];
        result = null;
        if (record.Length < FixedSize + 12)
        {
            return false;
        }

        expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(record));
        requestHash = record.Slice(8, IdempotencyCache.HashBytes).ToArray();
        ReadOnlySpan<byte> at = record[(8 + IdempotencyCache.HashBytes)..];
        var kind = (IdempotentAnswerKind)at[0];
        var code = (TetherErrorCode)BinaryPrimitives.ReadInt32LittleEndian(at[1..]);
        int messageId = BinaryPrimitives.ReadInt32LittleEndian(at[5..]);
        at = at[9..];
        if (kind is < IdempotentAnswerKind.Reply or > IdempotentAnswerKind.NotKept
            || !TryReadPart(ref at, out ReadOnlySpan<byte> body) || !TryReadPart(ref at, out ReadOnlySpan<byte> message)
            || !TryReadPart(ref at, out ReadOnlySpan<byte> trailerBlock) || !at.IsEmpty)
        {
            return false;
        }

        CallMetadata? trailers = null;
        if (!trailerBlock.IsEmpty)
        {
            var limits = new CallHeaderLimits(trailerBlock.Length, int.MaxValue);
            if (CallHeaderCodec.TryRead(new ReadOnlySequence<byte>(trailerBlock.ToArray()), limits, out IncomingCallHeaders? headers, out ReadOnlySequence<byte> rest, out _) != TetherErrorCode.None
                || !rest.IsEmpty || headers is null)
            {
                return false;
            }

            trailers = headers.Metadata;
        }

        result = new IdempotentResult
        {
            Kind = kind,
            Code = code,
            MessageId = messageId,
            Body = body.ToArray(),
            Message = message.IsEmpty && kind != IdempotentAnswerKind.Error ? null : Encoding.UTF8.GetString(message),
            Trailers = trailers,
        };
        return true;
    }

    private static Span<byte> WritePart(Span<byte> at, ReadOnlySpan<byte> part)
    {
        BinaryPrimitives.WriteInt32LittleEndian(at, part.Length);
        part.CopyTo(at[4..]);
        return at[(4 + part.Length)..];
    }

    private static bool TryReadPart(ref ReadOnlySpan<byte> at, out ReadOnlySpan<byte> part)
    {
        part = default;
        if (at.Length < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(at);
        if (length < 0 || length > at.Length - 4)
        {
            return false;
        }

        part = at.Slice(4, length);
        at = at[(4 + length)..];
        return true;
    }
}
