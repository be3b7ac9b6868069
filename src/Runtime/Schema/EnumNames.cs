using Tether.Serialization;

namespace Tether.Schema;

/// <summary>
/// An enum's names for the JSON codec (<see cref="SchemaJson"/>): a value is written as its name, or for a flags enum as
/// the names it combines (<c>"Read, Write"</c>, as System.Text.Json's string enum converter writes them), and read back
/// from either; a value no name describes stays a number.
/// </summary>
internal sealed class EnumNames
{
    private readonly EnumShape _shape;
    private readonly Dictionary<string, long> _byName;
    private readonly Dictionary<string, long> _byNameIgnoringCase;

    public EnumNames(EnumShape shape)
    {
        _shape = shape;
        _byName = new(StringComparer.Ordinal);
        _byNameIgnoringCase = new(StringComparer.OrdinalIgnoreCase);
        int count = Math.Min(shape.Names.Count, shape.Values.Count); // a hostile server's lists may differ in length
        for (int i = 0; i < count; i++)
        {
            _byName.TryAdd(shape.Names[i], shape.Values[i]);
            _byNameIgnoringCase.TryAdd(shape.Names[i], shape.Values[i]);
        }
    }

    /// <summary>The value's name (the first declared, when two names share a value), its flags' names, or null.</summary>
    public string? Format(long value)
    {
        int count = Math.Min(_shape.Names.Count, _shape.Values.Count);
        for (int i = 0; i < count; i++)
        {
            if (_shape.Values[i] == value)
            {
                return _shape.Names[i];
            }
        }

        if (!_shape.IsFlags || value == 0)
        {
            return null;
        }

        // The named single-or-combined flags the value contains, larger first, until nothing is left.
        ulong remaining = unchecked((ulong)value);
        var names = new List<string>();
        foreach (int i in Enumerable.Range(0, count).OrderByDescending(i => unchecked((ulong)_shape.Values[i])))
        {
            ulong flag = unchecked((ulong)_shape.Values[i]);
            if (flag != 0 && (remaining & flag) == flag)
            {
                names.Add(_shape.Names[i]);
                remaining &= ~flag;
            }
        }

        if (remaining != 0)
        {
            return null;
        }

        names.Reverse(); // smaller flags first, as Enum.ToString writes them
        return string.Join(", ", names);
    }

    /// <summary>Reads a name (exactly, else ignoring case) or, for a flags enum, names joined by commas.</summary>
    public bool TryParse(string text, out long value)
    {
        if (Find(text.Trim(), out value))
        {
            return true;
        }

        if (!_shape.IsFlags || !text.Contains(','))
        {
            return false;
        }

        value = 0;
        foreach (string part in text.Split(','))
        {
            if (!Find(part.Trim(), out long flag))
            {
                return false;
            }

            value |= flag;
        }

        return true;
    }

    /// <summary>The names, for an error message.</summary>
    public string Describe() => string.Join(", ", _shape.Names);

    private bool Find(string name, out long value) => _byName.TryGetValue(name, out value) || _byNameIgnoringCase.TryGetValue(name, out value);

    /// <summary>Whether an enum of this underlying kind can be named (an integer; a hostile shape may say otherwise).</summary>
    public static bool IsInteger(WireKind kind) => kind is >= WireKind.UInt8 and <= WireKind.UInt64;

    /// <summary>Reads an integer of <paramref name="kind"/> (<see cref="IsInteger"/>) as a 64-bit value, a <c>ulong</c> wrapping.</summary>
    public static long Read(ref TetherReader reader, WireKind kind) => kind switch
    {
        WireKind.UInt8 => reader.ReadByte(),
        WireKind.Int8 => reader.ReadSByte(),
        WireKind.Int16 => reader.ReadInt16(),
        WireKind.UInt16 => reader.ReadUInt16(),
        WireKind.Int32 => reader.ReadVarInt32(),
        WireKind.UInt32 => reader.ReadVarUInt32(),
        WireKind.Int64 => reader.ReadVarInt64(),
        _ => unchecked((long)reader.ReadVarUInt64()),
    };

    /// <summary>The number as JSON text: <paramref name="value"/> read back by <see cref="Read"/>.</summary>
    public static string Number(long value, WireKind kind) =>
        kind == WireKind.UInt64 ? unchecked((ulong)value).ToString(System.Globalization.CultureInfo.InvariantCulture) : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="value"/> as an integer of <paramref name="kind"/>; false when it does not fit (a hostile shape's value).</summary>
    public static bool TryWrite(ref TetherWriter writer, WireKind kind, long value)
    {
        switch (kind)
        {
            case WireKind.UInt8 when value is >= byte.MinValue and <= byte.MaxValue:
                writer.WriteByte((byte)value);
                return true;
            case WireKind.Int8 when value is >= sbyte.MinValue and <= sbyte.MaxValue:
                writer.WriteByte(unchecked((byte)(sbyte)value));
                return true;
            case WireKind.Int16 when value is >= short.MinValue and <= short.MaxValue:
            case WireKind.Int32 when value is >= int.MinValue and <= int.MaxValue:
            case WireKind.Int64:
                writer.WriteVarUInt64(Wire.ZigZag(value));
                return true;
            case WireKind.UInt16 when value is >= ushort.MinValue and <= ushort.MaxValue:
            case WireKind.UInt32 when value is >= uint.MinValue and <= uint.MaxValue:
            case WireKind.UInt64:
                writer.WriteVarUInt64(unchecked((ulong)value));
                return true;
            default:
                return false;
        }
    }
}
