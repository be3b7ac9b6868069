namespace Tether.Schema;

/// <summary>What kind of value a wire type is (the schema names of <c>docs/wire-format.md</c> §2).</summary>
internal enum WireKind
{
    Bool,
    UInt8,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Char,
    Float32,
    Float64,
    Float16,
    Decimal,
    Int128,
    UInt128,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    String,
    Bytes,
    Enum,
    Optional,
    List,
    Map,
    Message,
}

/// <summary>A member's wire type, parsed from its schema notation (<see cref="MemberShape.WireType"/>), e.g. <c>map&lt;string,list&lt;message:7&gt;&gt;</c>.</summary>
/// <param name="Kind">The kind of value.</param>
/// <param name="Element">The element of a list, the value of a map, the inner type of an optional or the underlying type of an enum.</param>
/// <param name="Key">The key of a map.</param>
/// <param name="MessageId">The id of a nested message.</param>
internal sealed record WireType(WireKind Kind, WireType? Element = null, WireType? Key = null, int MessageId = 0)
{
    /// <summary>An enum's names, when the shape gave them (<see cref="MemberShape.Enums"/>); null: the enum is a number.</summary>
    public EnumNames? Names { get; init; }

    private static readonly Dictionary<string, WireKind> s_scalars = new(StringComparer.Ordinal)
    {
        ["bool"] = WireKind.Bool, ["uint8"] = WireKind.UInt8, ["int8"] = WireKind.Int8, ["int16"] = WireKind.Int16,
        ["uint16"] = WireKind.UInt16, ["int32"] = WireKind.Int32, ["uint32"] = WireKind.UInt32, ["int64"] = WireKind.Int64,
        ["uint64"] = WireKind.UInt64, ["char"] = WireKind.Char, ["float32"] = WireKind.Float32, ["float64"] = WireKind.Float64,
        ["float16"] = WireKind.Float16, ["decimal"] = WireKind.Decimal, ["int128"] = WireKind.Int128, ["uint128"] = WireKind.UInt128,
        ["guid"] = WireKind.Guid, ["datetime"] = WireKind.DateTime, ["datetimeoffset"] = WireKind.DateTimeOffset,
        ["timespan"] = WireKind.TimeSpan, ["string"] = WireKind.String, ["bytes"] = WireKind.Bytes,
    };

    /// <summary>The fewest bytes one value takes on the wire: what a collection's count is checked against.</summary>
    public int MinimumSize => Kind switch
    {
        WireKind.Float32 => 4,
        WireKind.Float64 or WireKind.DateTime => 8,
        WireKind.Float16 => 2,
        WireKind.Decimal or WireKind.Int128 or WireKind.UInt128 or WireKind.Guid => 16,
        WireKind.DateTimeOffset => 9,
        WireKind.Enum => Element!.MinimumSize,
        WireKind.Map => Key!.MinimumSize + Element!.MinimumSize,
        _ => 1,
    };

    /// <summary>Parses the schema notation; throws <see cref="FormatException"/> for anything else (a newer server's type, or <c>unsupported</c>).</summary>
    public static WireType Parse(string text, IReadOnlyList<EnumShape>? enums = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        int position = 0;
        int enumIndex = 0;
        WireType type = ParseAt(text, ref position, enums, ref enumIndex);
        return position == text.Length ? type : throw Unreadable(text);
    }

    // enums[enumIndex] names the next enum<…> met, left to right (MemberShape.Enums).
    private static WireType ParseAt(string text, ref int position, IReadOnlyList<EnumShape>? enums, ref int enumIndex)
    {
        int start = position;
        while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == ':'))
        {
            position++;
        }

        string name = text[start..position];
        if (s_scalars.TryGetValue(name, out WireKind scalar))
        {
            return new WireType(scalar);
        }

        if (name.StartsWith("message:", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) && id > 0)
        {
            return new WireType(WireKind.Message, MessageId: id);
        }

        switch (name)
        {
            case "enum":
            {
                EnumShape? names = enums is not null && enumIndex < enums.Count ? enums[enumIndex] : null;
                enumIndex++;
                Expect(text, ref position, '<');
                WireType underlying = ParseAt(text, ref position, enums, ref enumIndex);
                Expect(text, ref position, '>');
                return new WireType(WireKind.Enum, underlying) { Names = names is null ? null : new EnumNames(names) };
            }

            case "optional":
            case "list":
            {
                Expect(text, ref position, '<');
                WireType inner = ParseAt(text, ref position, enums, ref enumIndex);
                Expect(text, ref position, '>');
                return new WireType(name == "optional" ? WireKind.Optional : WireKind.List, inner);
            }

            case "map":
            {
                Expect(text, ref position, '<');
                WireType key = ParseAt(text, ref position, enums, ref enumIndex);
                Expect(text, ref position, ',');
                WireType value = ParseAt(text, ref position, enums, ref enumIndex);
                Expect(text, ref position, '>');
                return new WireType(WireKind.Map, value, key);
            }

            default:
                throw Unreadable(text);
        }
    }

    private static void Expect(string text, ref int position, char expected)
    {
        if (position >= text.Length || text[position] != expected)
        {
            throw Unreadable(text);
        }

        position++;
    }

    private static FormatException Unreadable(string text) => new($"'{text}' is not a wire type this version knows.");

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        WireKind.Enum => $"enum<{Element}>",
        WireKind.Optional => $"optional<{Element}>",
        WireKind.List => $"list<{Element}>",
        WireKind.Map => $"map<{Key},{Element}>",
        WireKind.Message => $"message:{MessageId}",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
