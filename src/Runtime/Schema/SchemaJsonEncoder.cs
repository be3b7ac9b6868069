using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Tether.Serialization;

namespace Tether.Schema;

/// <summary>JSON → wire: writes message bodies from <see cref="JsonElement"/>s, member by member, following their shapes.</summary>
internal readonly struct SchemaJsonEncoder(SchemaJson schema)
{
    private const int MaxDepth = TetherWriter.MaxDepth;

    public void WriteBody(IBufferWriter<byte> output, CompiledMessage message, JsonElement value, string path, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"expected an object for {message.Shape.TypeName}, got {Describe(value)}");
        }

        var present = new JsonElement?[message.Members.Length];
        foreach (JsonProperty property in value.EnumerateObject())
        {
            int index = message.IndexOf(property.Name);
            if (index < 0)
            {
                throw Invalid(path, $"{message.Shape.TypeName} has no member '{property.Name}' (it has {string.Join(", ", message.Members.Select(static m => m.Name))})");
            }

            if (present[index] is not null)
            {
                throw Invalid(path, $"member '{message.Members[index].Name}' is given twice");
            }

            present[index] = property.Value;
        }

        // Members left out after the last one given are not written at all: the reader then gives them what its declaration
        // says (a constructor parameter's default, an initialiser), as for an older writer (wire format §4). One left out
        // before a given member must take its place, with its type's default.
        int count = message.Members.Length;
        while (count > 0 && present[count - 1] is null)
        {
            count--;
        }

        var writer = new TetherWriter(output);
        writer.WriteVarUInt32((uint)count);
        for (int i = 0; i < count; i++)
        {
            CompiledMember member = message.Members[i];
            string memberPath = path + "." + member.Name;
            WireType type = member.Require(memberPath);
            if (present[i] is { } given)
            {
                WriteValue(ref writer, type, given, memberPath, depth);
            }
            else
            {
                WriteDefault(ref writer, type);
            }
        }

        writer.Flush();
    }

    /// <summary>What a member left out of the JSON before one given is written as: its type's default, as the codec writes <c>default(T)</c>.</summary>
    private static void WriteDefault(ref TetherWriter writer, WireType type)
    {
        int size = type.Kind switch
        {
            WireKind.String or WireKind.Bytes or WireKind.Optional or WireKind.List or WireKind.Map or WireKind.Message => 1,
            _ => type.MinimumSize,
        };
        writer.GetSpan(size)[..size].Clear();
        writer.Advance(size);
    }

    private void WriteValue(ref TetherWriter writer, WireType type, JsonElement value, string path, int depth)
    {
        switch (type.Kind)
        {
            case WireKind.Bool:
                writer.WriteByte(value.ValueKind switch
                {
                    JsonValueKind.True => (byte)1,
                    JsonValueKind.False => (byte)0,
                    _ => throw Invalid(path, $"expected true or false, got {Describe(value)}"),
                });
                break;
            case WireKind.UInt8:
                writer.WriteByte(checked((byte)Integer(value, path, byte.MinValue, byte.MaxValue)));
                break;
            case WireKind.Int8:
                writer.WriteByte(unchecked((byte)(sbyte)Integer(value, path, sbyte.MinValue, sbyte.MaxValue)));
                break;
            case WireKind.Int16:
            case WireKind.Int32:
            case WireKind.Int64:
                long min = type.Kind == WireKind.Int16 ? short.MinValue : type.Kind == WireKind.Int32 ? int.MinValue : long.MinValue;
                long max = type.Kind == WireKind.Int16 ? short.MaxValue : type.Kind == WireKind.Int32 ? int.MaxValue : long.MaxValue;
                writer.WriteVarUInt64(Wire.ZigZag((long)Integer(value, path, min, max)));
                break;
            case WireKind.UInt16:
            case WireKind.UInt32:
            case WireKind.UInt64:
                ulong top = type.Kind == WireKind.UInt16 ? ushort.MaxValue : type.Kind == WireKind.UInt32 ? uint.MaxValue : ulong.MaxValue;
                writer.WriteVarUInt64((ulong)Integer(value, path, 0, top));
                break;
            case WireKind.Char:
                string text = String(value, path);
                writer.WriteVarUInt32(text.Length == 1 ? text[0] : throw Invalid(path, $"expected a string of one character, got {text.Length}"));
                break;
            case WireKind.Float32:
                writer.Reserve(4);
                writer.UncheckedWriteSingle((float)Floating(value, path));
                break;
            case WireKind.Float64:
                writer.Reserve(8);
                writer.UncheckedWriteDouble(Floating(value, path));
                break;
            case WireKind.Float16:
                writer.Reserve(2);
                writer.UncheckedWriteHalf((Half)Floating(value, path));
                break;
            case WireKind.Decimal:
                writer.Reserve(16);
                writer.UncheckedWriteDecimal(Parse(value, path, "a decimal", static (string s, out decimal d) => decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d), static e => e.TryGetDecimal(out decimal d) ? d : null));
                break;
            case WireKind.Int128:
                writer.Reserve(16);
                writer.UncheckedWriteInt128(Parse(value, path, "an int128", static (string s, out Int128 n) => Int128.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n), static _ => null));
                break;
            case WireKind.UInt128:
                writer.Reserve(16);
                writer.UncheckedWriteUInt128(Parse(value, path, "a uint128", static (string s, out UInt128 n) => UInt128.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n), static _ => null));
                break;
            case WireKind.Guid:
                writer.Reserve(16);
                writer.UncheckedWriteGuid(Parse(value, path, "a GUID", static (string s, out Guid g) => Guid.TryParse(s, out g), static _ => null));
                break;
            case WireKind.DateTime:
                writer.Reserve(8);
                writer.UncheckedWriteDateTime(Parse(value, path, "an ISO 8601 date and time", static (string s, out DateTime d) => DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out d), static _ => null));
                break;
            case WireKind.DateTimeOffset:
                writer.Reserve(16);
                writer.UncheckedWriteDateTimeOffset(Parse(value, path, "an ISO 8601 date, time and offset", static (string s, out DateTimeOffset d) => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out d), static _ => null));
                break;
            case WireKind.TimeSpan:
                writer.Reserve(10);
                writer.UncheckedWriteTimeSpan(Parse(value, path, "a time span ([-][d.]hh:mm:ss[.fffffff])", static (string s, out TimeSpan t) => TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out t), static _ => null));
                break;
            case WireKind.String:
                writer.WriteString(value.ValueKind == JsonValueKind.Null ? null : String(value, path));
                break;
            case WireKind.Bytes:
                if (value.ValueKind == JsonValueKind.Null)
                {
                    writer.WriteByte(0);
                }
                else
                {
                    writer.WriteBytes(value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out byte[]? bytes)
                        ? bytes
                        : throw Invalid(path, $"expected a base64 string, got {Describe(value)}"));
                }

                break;
            case WireKind.Enum when type.Names is not null && value.ValueKind == JsonValueKind.String && EnumNames.IsInteger(type.Element!.Kind):
                WriteEnumName(ref writer, type, value, path, depth);
                break;
            case WireKind.Enum:
                WriteValue(ref writer, type.Element!, value, path, depth);
                break;
            case WireKind.Optional:
                if (value.ValueKind == JsonValueKind.Null)
                {
                    writer.WriteByte(0);
                }
                else
                {
                    writer.WriteByte(1);
                    WriteValue(ref writer, type.Element!, value, path, depth);
                }

                break;
            case WireKind.List:
                WriteList(ref writer, type, value, path, depth);
                break;
            case WireKind.Map:
                WriteMap(ref writer, type, value, path, depth);
                break;
            case WireKind.Message:
                WriteNested(ref writer, type, value, path, depth);
                break;
        }
    }

    // A name, names joined by commas (a flags enum), or a string holding the number.
    private void WriteEnumName(ref TetherWriter writer, WireType type, JsonElement value, string path, int depth)
    {
        string text = value.GetString()!;
        if (type.Names!.TryParse(text, out long number))
        {
            if (!EnumNames.TryWrite(ref writer, type.Element!.Kind, number))
            {
                throw Invalid(path, $"'{text}' is {number}, outside the enum's {type.Element}");
            }

            return;
        }

        if (!Int128.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw Invalid(path, $"'{text}' is not a name of the enum ({type.Names.Describe()}) nor a number");
        }

        WriteValue(ref writer, type.Element!, value, path, depth);
    }

    private void WriteList(ref TetherWriter writer, WireType type, JsonElement value, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            writer.WriteCollectionHeader(-1);
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, $"expected an array, got {Describe(value)}");
        }

        writer.WriteCollectionHeader(value.GetArrayLength());
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            WriteValue(ref writer, type.Element!, item, $"{path}[{index++}]", depth);
        }
    }

    private void WriteMap(ref TetherWriter writer, WireType type, JsonElement value, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            writer.WriteCollectionHeader(-1);
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"expected an object (a map), got {Describe(value)}");
        }

        int count = 0;
        foreach (JsonProperty _ in value.EnumerateObject())
        {
            count++;
        }

        writer.WriteCollectionHeader(count);
        foreach (JsonProperty pair in value.EnumerateObject())
        {
            string keyPath = $"{path}[\"{pair.Name}\"]";
            WriteValue(ref writer, type.Key!, KeyAsJson(type.Key!, pair.Name, keyPath), keyPath, depth);
            WriteValue(ref writer, type.Element!, pair.Value, keyPath, depth);
        }
    }

    // A JSON object's keys are strings: a key of another type is read from its text, as a number or literal would be.
    private static JsonElement KeyAsJson(WireType key, string name, string path)
    {
        WireKind kind = key.Kind == WireKind.Enum ? key.Element!.Kind : key.Kind;
        string json = kind switch
        {
            WireKind.Bool => name is "true" or "false" ? name : throw Invalid(path, "a bool key must be \"true\" or \"false\""),
            WireKind.Message or WireKind.List or WireKind.Map or WireKind.Optional or WireKind.Bytes
                => throw Invalid(path, $"a map with {key} keys cannot be written as a JSON object"),
            _ => "\"" + JsonEncodedText.Encode(name).ToString() + "\"",
        };
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private void WriteNested(ref TetherWriter writer, WireType type, JsonElement value, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            writer.WriteByte(0);
            return;
        }

        if (depth >= MaxDepth) // the writer's rule: MaxDepth levels may nest below the top
        {
            throw Invalid(path, $"messages nest deeper than {MaxDepth} levels");
        }

        var body = new ArrayBufferWriter<byte>();
        WriteBody(body, schema.Compile(type.MessageId, path), value, path, depth + 1);
        writer.WriteVarUInt64((ulong)body.WrittenCount);
        ReadOnlySpan<byte> bytes = body.WrittenSpan;
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    private delegate bool TryParseText<T>(string text, out T value);

    // Integers come as JSON numbers or as strings holding one (what tools that fear 2^53 write).
    private static Int128 Integer(JsonElement value, string path, Int128 min, Int128 max)
    {
        string? text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        if (text is null || !Int128.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out Int128 number))
        {
            throw Invalid(path, $"expected an integer, got {Describe(value)}");
        }

        return number >= min && number <= max ? number : throw Invalid(path, $"{number} is outside {min}..{max}");
    }

    private static double Floating(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            switch (value.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
                case { } s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed): return parsed;
            }
        }

        throw Invalid(path, $"expected a number, got {Describe(value)}");
    }

    private static T Parse<T>(JsonElement value, string path, string expected, TryParseText<T> parse, Func<JsonElement, T?> fromNumber)
        where T : struct
    {
        if (value.ValueKind == JsonValueKind.Number && fromNumber(value) is { } number)
        {
            return number;
        }

        string? text = value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
        return text is not null && parse(text, out T parsed) ? parsed : throw Invalid(path, $"expected {expected}, got {Describe(value)}");
    }

    private static string String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(path, $"expected a string, got {Describe(value)}");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static TetherException Invalid(string path, string problem) => new(TetherErrorCode.InvalidArgument, $"{path}: {problem}.");
}
