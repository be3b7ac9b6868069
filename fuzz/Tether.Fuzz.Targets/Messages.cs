namespace Tether.Fuzz;

public enum Side
{
    Buy = 1,
    Sell = -1,
}

[Flags]
public enum Marks : byte
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

/// <summary>Every fixed-size member type, as a record struct.</summary>
[Message(1)]
public partial record struct Scalars(
    bool Bool, byte Byte, sbyte SByte, short Int16, ushort UInt16, int Int32, uint UInt32, long Int64, ulong UInt64,
    nint NInt, nuint NUInt, char Char, float Single, double Double, Half Half, decimal Decimal, Int128 Int128, UInt128 UInt128,
    Guid Guid, DateTime DateTime, DateTimeOffset DateTimeOffset, TimeSpan TimeSpan, Side Side, Marks Marks, Wide Wide);

/// <summary>A recursive message: depth limits.</summary>
[Message(2)]
public sealed partial class Node
{
    public int Value { get; set; }

    public Node? Child { get; set; }
}

/// <summary>
/// The codec target's message: every member type the generator supports (scalars, nullables, strings, byte blocks,
/// arrays, lists, dictionaries, nested and recursive messages, jagged collections), so one input reaches every decoder path.
/// </summary>
[Message(3)]
public sealed partial record Everything(
    Scalars Fixed,
    Scalars? MaybeFixed,
    int? MaybeInt,
    Guid? MaybeGuid,
    Side? MaybeSide,
    string? Text,
    byte[]? Bytes,
    ReadOnlyMemory<byte> Memory,
    int[]? Numbers,
    List<string?>? Names,
    IReadOnlyList<double>? Ratios,
    Dictionary<string, int>? Counts,
    Dictionary<int, Node>? NodesById,
    Node[]? Nodes,
    List<Scalars>? ManyFixed,
    Node? Tree,
    int[]?[]? Jagged,
    List<int?>? MaybeNumbers,
    Dictionary<Guid, List<string>>? Groups,
    bool[]? Bits,
    long[]? Longs);

/// <summary>What the server target's handler answers with.</summary>
[Message(4)]
public sealed partial record Receipt(long Count, string? Note);
