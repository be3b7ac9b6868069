namespace Tether.Runtime.Tests.Messages;

public enum Side
{
    Buy = 1,
    Sell = -1,
}

public enum Flags : byte
{
    None = 0,
    A = 1,
    B = 2,
}

public enum Wide : long
{
    Small = 1,
    Large = long.MaxValue,
}

/// <summary>The benchmark's standard message.</summary>
[Message(1)]
public sealed partial record Order(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks);

/// <summary>Every bounded primitive, as a record struct (the zero-allocation case).</summary>
[Message(2)]
public partial record struct Primitives(
    bool Bool, byte Byte, sbyte SByte, short Int16, ushort UInt16, int Int32, uint UInt32, long Int64, ulong UInt64,
    nint NInt, nuint NUInt, char Char, float Single, double Double, Half Half, decimal Decimal, Int128 Int128, UInt128 UInt128,
    Guid Guid, DateTime DateTime, DateTimeOffset DateTimeOffset, TimeSpan TimeSpan, Side Side, Flags Flags, Wide Wide);

/// <summary>Nullable values, strings and byte blocks, set through init accessors on a class.</summary>
[Message(3)]
public sealed partial class Scalars
{
    public int? MaybeInt { get; init; }

    public Guid? MaybeGuid { get; init; }

    public Side? MaybeSide { get; init; }

    public string? Text { get; init; }

    public byte[]? Bytes { get; init; }

    public ReadOnlyMemory<byte> Memory { get; init; }

    public DateTimeOffset? When { get; set; }

    public Primitives? MaybeStruct { get; init; }

    /// <summary>Computed: not encoded.</summary>
    public int TextLength => Text?.Length ?? 0;

    [MessageIgnore]
    public string? Ignored { get; set; }
}

/// <summary>Collections of values and of messages, nested messages, nested collections.</summary>
[Message(4)]
public sealed partial record Collections(
    int[]? Numbers,
    List<string?>? Names,
    IReadOnlyList<double>? Ratios,
    Dictionary<string, int>? Counts,
    Dictionary<int, Order>? OrdersById,
    Order[]? Orders,
    List<Primitives>? Structs,
    Scalars? Nested,
    int[]?[]? Jagged,
    List<int?>? MaybeNumbers,
    Dictionary<Guid, List<string>>? Groups);

/// <summary>Collections nested one level down: their runs of messages are written while the outer message is pending.</summary>
[Message(12)]
public sealed partial record Crate(Collections? Inner, List<Order>? Loose);

/// <summary>A recursive message, for depth limits.</summary>
[Message(5)]
public sealed partial class Node
{
    public int Value { get; set; }

    public Node? Child { get; set; }
}

/// <summary>A public mutable field and a positional struct member.</summary>
[Message(6)]
public partial struct FieldMessage
{
    public int Count;
    public string? Label;
}

/// <summary>Messages nested in a containing type.</summary>
public static partial class Container
{
    [Message(7)]
    public partial record Inner(int X);
}

/// <summary>A message that validates in its constructor.</summary>
[Message(8)]
public sealed partial record Validated
{
    public Validated(int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        Quantity = quantity;
    }

    public int Quantity { get; }
}

/// <summary>
/// Every primitive a run can store through its local cursor (<c>TetherWriter.BeginRun</c>), enums and nullables
/// among them, in one run; the string splits it so a second run starts mid-message.
/// </summary>
[Message(10)]
public partial record struct RunPrimitives(
    bool Bool, byte Byte, sbyte SByte, short Int16, ushort UInt16, int Int32, uint UInt32, long Int64, ulong UInt64,
    nint NInt, nuint NUInt, char Char, float Single, double Double, Half Half, DateTime DateTime, TimeSpan TimeSpan,
    Side Side, Flags Flags, Wide Wide, int? MaybeInt, Side? MaybeSide, string? Text, long? MaybeLong, ulong Last);

/// <summary>A run that ends in a varint: its 8-byte word store reaches past the run's maximum size.</summary>
[Message(11)]
public sealed partial record TailVarint(double A, int B);

/// <summary>
/// Runs one after another in a collection: every element but the last has the next one's bytes after it, so its runs
/// are read through the local cursor (<c>TetherReader.BeginRun</c>), which needs each varint's 8-byte window in the segment.
/// </summary>
[Message(13)]
public sealed partial record RunBatch(List<RunPrimitives> Items, Order[] Orders);

/// <summary>
/// Strings first, strings side by side and a string last, around a one-member run: read as one cursor run when the
/// segment holds their maximum (<c>TetherReader.GetString</c>), each string leaving it when it cannot be read in place.
/// </summary>
[Message(14)]
public sealed partial record Labels(string First, string? Second, int Count, string Last);

/// <summary>A batch of <see cref="Labels"/>: every element but the last has the next one's bytes after it.</summary>
[Message(15)]
public sealed partial record LabelBatch(List<Labels> Items);
