using System.Collections.Generic;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// How each bounded primitive is written, read and sized. Formats take the value expression as {0}.
/// </summary>
internal static class PrimitiveCodecs
{
    internal sealed class Codec
    {
        public Codec(int maxSize, int minSize, string write, string readUnchecked, string readChecked, string size, int contiguousNeed = -1, string? put = null, string? get = null)
        {
            Put = put;
            Get = get;
            ContiguousNeed = contiguousNeed < 0 ? maxSize : contiguousNeed;
            MaxSize = maxSize;
            MinSize = minSize;
            Write = write;
            ReadUnchecked = readUnchecked;
            ReadChecked = readChecked;
            Size = size;
        }

        public int MaxSize { get; }

        public int MinSize { get; }

        /// <summary>
        /// Bytes that must be contiguous at the value's start for an unchecked read: all of a fixed-width
        /// value, but only the first byte of a varint, whose multi-byte path checks the segment itself.
        /// </summary>
        public int ContiguousNeed { get; }

        /// <summary>An unchecked write statement (the caller reserved the run).</summary>
        public string Write { get; }

        public string ReadUnchecked { get; }

        public string ReadChecked { get; }

        /// <summary>An expression for the exact encoded size.</summary>
        public string Size { get; }

        /// <summary>
        /// Where the value can be stored inside a run through a local cursor: an expression for the bytes written by
        /// a static <c>TetherWriter.Put…</c> call, with the value as {0} and the destination as {1}; otherwise null.
        /// </summary>
        public string? Put { get; }

        /// <summary>
        /// Where the value can be read inside a run through a local cursor: an expression calling a
        /// <c>TetherReader.Get…</c> method on the run <c>__c</c> at offset <c>__n</c>; otherwise null.
        /// </summary>
        public string? Get { get; }
    }

    private const int Varint = 1;
    private const string W = KnownNames.Wire;
    private const string S = KnownNames.WireSize;
    private const string P = KnownNames.Writer;
    private const string R = KnownNames.Reader;

    private static readonly Dictionary<ShapeKind, Codec> s_codecs = new()
    {
        [ShapeKind.Boolean] = new(1, 1, "writer.UncheckedWriteBoolean({0});", "reader.UncheckedReadBoolean()", "reader.ReadBoolean()", "1", put: P + ".PutBoolean({1}, {0})", get: "reader.GetBoolean(ref __c, ref __n)"),
        [ShapeKind.Byte] = new(1, 1, "writer.UncheckedWriteByte({0});", "reader.UncheckedReadByte()", "reader.ReadByte()", "1", put: P + ".PutByte({1}, {0})", get: R + ".GetByte(ref __c, ref __n)"),
        [ShapeKind.SByte] = new(1, 1, "writer.UncheckedWriteByte(unchecked((byte)({0})));", "unchecked((sbyte)reader.UncheckedReadByte())", "reader.ReadSByte()", "1", put: P + ".PutByte({1}, unchecked((byte)({0})))", get: "unchecked((sbyte)" + R + ".GetByte(ref __c, ref __n))"),
        [ShapeKind.Int16] = new(3, 1, "writer.UncheckedWriteVarInt32({0});", "reader.UncheckedReadInt16()", "reader.ReadInt16()", S + ".VarInt32({0})", Varint, put: P + ".PutVarInt32({1}, {0})", get: "reader.GetInt16(ref __c, ref __n)"),
        [ShapeKind.UInt16] = new(3, 1, "writer.UncheckedWriteVarUInt32({0});", "reader.UncheckedReadUInt16()", "reader.ReadUInt16()", W + ".VarUInt32Size({0})", Varint, put: P + ".PutVarUInt32({1}, {0})", get: "reader.GetUInt16(ref __c, ref __n)"),
        [ShapeKind.Char] = new(3, 1, "writer.UncheckedWriteChar({0});", "reader.UncheckedReadChar()", "reader.ReadChar()", W + ".VarUInt32Size({0})", Varint, put: P + ".PutVarUInt32({1}, {0})", get: "reader.GetChar(ref __c, ref __n)"),
        [ShapeKind.Int32] = new(5, 1, "writer.UncheckedWriteVarInt32({0});", "reader.UncheckedReadVarInt32()", "reader.ReadVarInt32()", S + ".VarInt32({0})", Varint, put: P + ".PutVarInt32({1}, {0})", get: "reader.GetVarInt32(ref __c, ref __n)"),
        [ShapeKind.UInt32] = new(5, 1, "writer.UncheckedWriteVarUInt32({0});", "reader.UncheckedReadVarUInt32()", "reader.ReadVarUInt32()", W + ".VarUInt32Size({0})", Varint, put: P + ".PutVarUInt32({1}, {0})", get: "reader.GetVarUInt32(ref __c, ref __n)"),
        [ShapeKind.Int64] = new(10, 1, "writer.UncheckedWriteVarInt64({0});", "reader.UncheckedReadVarInt64()", "reader.ReadVarInt64()", S + ".VarInt64({0})", Varint, put: P + ".PutVarInt64({1}, {0})", get: "reader.GetVarInt64(ref __c, ref __n)"),
        [ShapeKind.UInt64] = new(10, 1, "writer.UncheckedWriteVarUInt64({0});", "reader.UncheckedReadVarUInt64()", "reader.ReadVarUInt64()", W + ".VarUInt64Size({0})", Varint, put: P + ".PutVarUInt64({1}, {0})", get: "reader.GetVarUInt64(ref __c, ref __n)"),
        [ShapeKind.NInt] = new(10, 1, "writer.UncheckedWriteVarInt64((long)({0}));", "(nint)reader.UncheckedReadVarInt64()", "(nint)reader.ReadVarInt64()", S + ".VarInt64((long)({0}))", Varint, put: P + ".PutVarInt64({1}, (long)({0}))", get: "(nint)reader.GetVarInt64(ref __c, ref __n)"),
        [ShapeKind.NUInt] = new(10, 1, "writer.UncheckedWriteVarUInt64((ulong)({0}));", "(nuint)reader.UncheckedReadVarUInt64()", "(nuint)reader.ReadVarUInt64()", W + ".VarUInt64Size((ulong)({0}))", Varint, put: P + ".PutVarUInt64({1}, (ulong)({0}))", get: "(nuint)reader.GetVarUInt64(ref __c, ref __n)"),
        [ShapeKind.Single] = new(4, 4, "writer.UncheckedWriteSingle({0});", "reader.UncheckedReadSingle()", "reader.ReadSingle()", "4", put: P + ".PutSingle({1}, {0})", get: R + ".GetSingle(ref __c, ref __n)"),
        [ShapeKind.Double] = new(8, 8, "writer.UncheckedWriteDouble({0});", "reader.UncheckedReadDouble()", "reader.ReadDouble()", "8", put: P + ".PutDouble({1}, {0})", get: R + ".GetDouble(ref __c, ref __n)"),
        [ShapeKind.Half] = new(2, 2, "writer.UncheckedWriteHalf({0});", "reader.UncheckedReadHalf()", "reader.ReadHalf()", "2", put: P + ".PutHalf({1}, {0})", get: R + ".GetHalf(ref __c, ref __n)"),
        [ShapeKind.Decimal] = new(16, 16, "writer.UncheckedWriteDecimal({0});", "reader.UncheckedReadDecimal()", "reader.ReadDecimal()", "16"),
        [ShapeKind.Int128] = new(16, 16, "writer.UncheckedWriteInt128({0});", "reader.UncheckedReadInt128()", "reader.ReadInt128()", "16"),
        [ShapeKind.UInt128] = new(16, 16, "writer.UncheckedWriteUInt128({0});", "reader.UncheckedReadUInt128()", "reader.ReadUInt128()", "16"),
        [ShapeKind.Guid] = new(16, 16, "writer.UncheckedWriteGuid({0});", "reader.UncheckedReadGuid()", "reader.ReadGuid()", "16"),
        [ShapeKind.DateTime] = new(8, 8, "writer.UncheckedWriteDateTime({0});", "reader.UncheckedReadDateTime()", "reader.ReadDateTime()", "8", put: P + ".PutDateTime({1}, {0})", get: "reader.GetDateTime(ref __c, ref __n)"),
        [ShapeKind.DateTimeOffset] = new(13, 9, "writer.UncheckedWriteDateTimeOffset({0});", "reader.UncheckedReadDateTimeOffset()", "reader.ReadDateTimeOffset()", S + ".DateTimeOffset({0})", 9),
        [ShapeKind.TimeSpan] = new(10, 1, "writer.UncheckedWriteTimeSpan({0});", "reader.UncheckedReadTimeSpan()", "reader.ReadTimeSpan()", S + ".VarInt64(({0}).Ticks)", Varint, put: P + ".PutVarInt64({1}, ({0}).Ticks)", get: "reader.GetTimeSpan(ref __c, ref __n)"),
    };

    public static bool TryGet(ShapeKind kind, out Codec codec) => s_codecs.TryGetValue(kind, out codec!);
}
