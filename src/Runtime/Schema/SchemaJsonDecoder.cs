using System.Globalization;
using System.Text.Json;
using Tether.Serialization;

namespace Tether.Schema;

/// <summary>Wire → JSON: reads message bodies member by member, following their shapes, with the codec's checks (lengths, depth, values).</summary>
internal readonly struct SchemaJsonDecoder(SchemaJson schema, DecodeOptions options)
{
    public void WriteBody(ReadOnlySpan<byte> body, CompiledMessage message, Utf8JsonWriter writer, int depth)
    {
        var reader = new TetherReader(body, options);
        int count = reader.ReadMemberCount();
        writer.WriteStartObject();
        for (int i = 0; i < message.Members.Length; i++)
        {
            CompiledMember member = message.Members[i];
            WireType type = member.Require("$." + member.Name);
            writer.WritePropertyName(member.Name);
            if (i < count)
            {
                WriteValue(ref reader, body, type, writer, depth);
            }
            else
            {
                // An older writer sent fewer members: the reader's default, as a generated decoder gives it.
                WriteDefault(type, writer);
            }
        }

        // A newer writer's members, unknown here, are skipped as the codec skips them (wire format §4); otherwise the
        // body must end where its members do (decode.length_mismatch), top-level or nested, as in the codec.
        if (count > message.Members.Length)
        {
            reader.SkipUnknownMembers();
        }
        else
        {
            reader.EnsureFullyConsumed();
        }

        writer.WriteEndObject();
    }

    private static void WriteDefault(WireType type, Utf8JsonWriter writer)
    {
        if (type.Kind == WireKind.Enum && type.Names is not null && EnumNames.IsInteger(type.Element!.Kind))
        {
            WriteEnum(0, type, writer); // the default's name, when it has one
            return;
        }

        if (type.Kind == WireKind.Enum)
        {
            type = type.Element!; // an enum's default is its underlying integer's (found by the schema fuzz target)
        }

        switch (type.Kind)
        {
            case WireKind.String or WireKind.Bytes or WireKind.Optional or WireKind.List or WireKind.Map or WireKind.Message:
                writer.WriteNullValue();
                break;
            default:
                Span<byte> zeros = stackalloc byte[16];
                zeros.Clear();
                var reader = new TetherReader(zeros[..type.MinimumSize]);
                WriteScalar(ref reader, type, writer);
                break;
        }
    }

    private void WriteValue(ref TetherReader reader, ReadOnlySpan<byte> body, WireType type, Utf8JsonWriter writer, int depth)
    {
        switch (type.Kind)
        {
            case WireKind.Enum when type.Names is not null && EnumNames.IsInteger(type.Element!.Kind):
                WriteEnum(EnumNames.Read(ref reader, type.Element.Kind), type, writer);
                break;
            case WireKind.Enum:
                WriteValue(ref reader, body, type.Element!, writer, depth);
                break;
            case WireKind.Optional:
                switch (reader.ReadByte())
                {
                    case 0:
                        writer.WriteNullValue();
                        break;
                    case 1 when type.Element!.Kind == WireKind.Message:
                        // Only a struct message can be optional (a class message is nullable by itself), and an empty
                        // body of a struct is its default value, not null, as the codec reads it (found by fuzzing).
                        WriteNested(ref reader, body, type.Element, writer, depth, emptyIsDefault: true);
                        break;
                    case 1:
                        WriteValue(ref reader, body, type.Element!, writer, depth);
                        break;
                    default:
                        reader.Fail(TetherErrorCode.DecodeInvalidValue);
                        break;
                }

                break;
            case WireKind.List:
                int items = reader.ReadCollectionHeader(type.Element!.MinimumSize);
                if (items < 0)
                {
                    writer.WriteNullValue();
                    break;
                }

                writer.WriteStartArray();
                for (int i = 0; i < items; i++)
                {
                    WriteValue(ref reader, body, type.Element!, writer, depth);
                }

                writer.WriteEndArray();
                break;
            case WireKind.Map:
                int pairs = reader.ReadCollectionHeader(type.MinimumSize);
                if (pairs < 0)
                {
                    writer.WriteNullValue();
                    break;
                }

                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < pairs; i++)
                {
                    string key = ReadKey(ref reader, type.Key!);
                    if (!seen.Add(key))
                    {
                        reader.Fail(TetherErrorCode.DecodeInvalidValue); // a repeated key, as the codec refuses it
                    }

                    writer.WritePropertyName(key);
                    WriteValue(ref reader, body, type.Element!, writer, depth);
                }

                writer.WriteEndObject();
                break;
            case WireKind.Message:
                WriteNested(ref reader, body, type, writer, depth);
                break;
            default:
                WriteScalar(ref reader, type, writer);
                break;
        }
    }

    private void WriteNested(ref TetherReader reader, ReadOnlySpan<byte> body, WireType type, Utf8JsonWriter writer, int depth, bool emptyIsDefault = false)
    {
        long start = reader.Consumed;
        ulong length = reader.ReadVarUInt64();
        if (length == 0 && emptyIsDefault)
        {
            WriteBody([0], schema.Compile(type.MessageId, "$"), writer, depth + 1); // no members: every one its default
            return;
        }

        if (length == 0)
        {
            writer.WriteNullValue();
            return;
        }

        if (length > (ulong)reader.RemainingInMessage)
        {
            throw new TetherDecodeException(TetherErrorCode.DecodeLengthOutOfRange, start);
        }

        if (depth >= options.MaxDepth) // the codec's rule: the top level is depth 0, and MaxDepth levels may nest below it
        {
            throw new TetherDecodeException(TetherErrorCode.DecodeDepthExceeded, start);
        }

        // The nested body is read on its own: its length bounds it, as the codec's nested limit does.
        int from = (int)reader.Consumed;
        WriteBody(body.Slice(from, (int)length), schema.Compile(type.MessageId, "$"), writer, depth + 1);
        reader.Skip((long)length);
    }

    // Its name, or its flags' names; a value no name describes as its number.
    private static void WriteEnum(long value, WireType type, Utf8JsonWriter writer)
    {
        if (type.Names!.Format(value) is { } name)
        {
            writer.WriteStringValue(name);
        }
        else if (type.Element!.Kind == WireKind.UInt64)
        {
            writer.WriteNumberValue(unchecked((ulong)value));
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }

    private static string ReadKey(ref TetherReader reader, WireType key)
    {
        if (key.Kind == WireKind.Enum && key.Names is not null && EnumNames.IsInteger(key.Element!.Kind))
        {
            long value = EnumNames.Read(ref reader, key.Element.Kind);
            return key.Names.Format(value) ?? EnumNames.Number(value, key.Element.Kind);
        }

        WireKind kind = key.Kind == WireKind.Enum ? key.Element!.Kind : key.Kind;
        return kind switch
        {
            WireKind.String => reader.ReadString() ?? throw new TetherDecodeException(TetherErrorCode.DecodeInvalidValue, reader.Consumed),
            WireKind.Bool => reader.ReadBoolean() ? "true" : "false",
            WireKind.UInt8 => reader.ReadByte().ToString(CultureInfo.InvariantCulture),
            WireKind.Int8 => reader.ReadSByte().ToString(CultureInfo.InvariantCulture),
            WireKind.Int16 => reader.ReadInt16().ToString(CultureInfo.InvariantCulture),
            WireKind.UInt16 => reader.ReadUInt16().ToString(CultureInfo.InvariantCulture),
            WireKind.Int32 => reader.ReadVarInt32().ToString(CultureInfo.InvariantCulture),
            WireKind.UInt32 => reader.ReadVarUInt32().ToString(CultureInfo.InvariantCulture),
            WireKind.Int64 => reader.ReadVarInt64().ToString(CultureInfo.InvariantCulture),
            WireKind.UInt64 => reader.ReadVarUInt64().ToString(CultureInfo.InvariantCulture),
            WireKind.Char => ((char)reader.ReadUInt16()).ToString(),
            WireKind.Guid => reader.ReadGuid().ToString("D"),
            WireKind.Int128 => reader.ReadInt128().ToString(CultureInfo.InvariantCulture),
            WireKind.UInt128 => reader.ReadUInt128().ToString(CultureInfo.InvariantCulture),
            WireKind.Decimal => reader.ReadDecimal().ToString(CultureInfo.InvariantCulture),
            WireKind.DateTime => reader.ReadDateTime().ToString("O", CultureInfo.InvariantCulture),
            WireKind.DateTimeOffset => reader.ReadDateTimeOffset().ToString("O", CultureInfo.InvariantCulture),
            WireKind.TimeSpan => reader.ReadTimeSpan().ToString("c", CultureInfo.InvariantCulture),
            WireKind.Float32 => reader.ReadSingle().ToString("R", CultureInfo.InvariantCulture),
            WireKind.Float64 => reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture),
            WireKind.Float16 => reader.ReadHalf().ToString(CultureInfo.InvariantCulture),
            _ => throw new TetherException(TetherErrorCode.InvalidArgument, $"A map with {key} keys cannot be written as a JSON object."),
        };
    }

    private static void WriteScalar(ref TetherReader reader, WireType type, Utf8JsonWriter writer)
    {
        switch (type.Kind)
        {
            case WireKind.Bool: writer.WriteBooleanValue(reader.ReadBoolean()); break;
            case WireKind.UInt8: writer.WriteNumberValue(reader.ReadByte()); break;
            case WireKind.Int8: writer.WriteNumberValue(reader.ReadSByte()); break;
            case WireKind.Int16: writer.WriteNumberValue(reader.ReadInt16()); break;
            case WireKind.UInt16: writer.WriteNumberValue(reader.ReadUInt16()); break;
            case WireKind.Int32: writer.WriteNumberValue(reader.ReadVarInt32()); break;
            case WireKind.UInt32: writer.WriteNumberValue(reader.ReadVarUInt32()); break;
            case WireKind.Int64: writer.WriteNumberValue(reader.ReadVarInt64()); break;
            case WireKind.UInt64: writer.WriteNumberValue(reader.ReadVarUInt64()); break;
            case WireKind.Char: writer.WriteStringValue(((char)reader.ReadUInt16()).ToString()); break;
            case WireKind.Float32: WriteFloating(writer, reader.ReadSingle()); break;
            case WireKind.Float64: WriteFloating(writer, reader.ReadDouble()); break;
            case WireKind.Float16: WriteFloating(writer, (double)reader.ReadHalf()); break;
            case WireKind.Decimal: writer.WriteNumberValue(reader.ReadDecimal()); break;
            case WireKind.Int128: writer.WriteStringValue(reader.ReadInt128().ToString(CultureInfo.InvariantCulture)); break;
            case WireKind.UInt128: writer.WriteStringValue(reader.ReadUInt128().ToString(CultureInfo.InvariantCulture)); break;
            case WireKind.Guid: writer.WriteStringValue(reader.ReadGuid()); break;
            case WireKind.DateTime: writer.WriteStringValue(reader.ReadDateTime().ToString("O", CultureInfo.InvariantCulture)); break;
            case WireKind.DateTimeOffset: writer.WriteStringValue(reader.ReadDateTimeOffset().ToString("O", CultureInfo.InvariantCulture)); break;
            case WireKind.TimeSpan: writer.WriteStringValue(reader.ReadTimeSpan().ToString("c", CultureInfo.InvariantCulture)); break;
            case WireKind.String:
                if (reader.ReadString() is { } text)
                {
                    writer.WriteStringValue(text);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
            case WireKind.Bytes:
                if (reader.ReadByteArray() is { } bytes)
                {
                    writer.WriteBase64StringValue(bytes);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
        }
    }

    // JSON has no NaN or infinities: they travel as the strings System.Text.Json's named literals use.
    private static void WriteFloating(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
