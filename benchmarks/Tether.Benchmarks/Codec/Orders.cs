using MemoryPack;
using MessagePack;
using ProtoBuf;
using Tether;

namespace Tether.Benchmarks.Codec;

// The standard message, declared once per serializer so each uses its idiomatic form.

[Message(1)]
public sealed partial record TetherOrder(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks);

[Message(2)]
public sealed partial record TetherBatch(TetherOrder[] Orders);

[Message(3)]
public sealed partial record TetherListBatch(List<TetherOrder> Orders);

[MemoryPackable]
public sealed partial record MemoryPackOrder(long Id, int Quantity, double Price, string Symbol, bool IsBuy, long TimestampTicks);

[MemoryPackable]
public sealed partial record MemoryPackBatch(MemoryPackOrder[] Orders);

[MemoryPackable]
public sealed partial record MemoryPackListBatch(List<MemoryPackOrder> Orders);

[MessagePackObject]
public sealed record MessagePackOrder(
    [property: Key(0)] long Id,
    [property: Key(1)] int Quantity,
    [property: Key(2)] double Price,
    [property: Key(3)] string Symbol,
    [property: Key(4)] bool IsBuy,
    [property: Key(5)] long TimestampTicks);

[MessagePackObject]
public sealed record MessagePackBatch([property: Key(0)] MessagePackOrder[] Orders);

[ProtoContract]
public sealed class ProtobufOrder
{
    [ProtoMember(1)] public long Id { get; set; }
    [ProtoMember(2)] public int Quantity { get; set; }
    [ProtoMember(3)] public double Price { get; set; }
    [ProtoMember(4)] public string Symbol { get; set; } = "";
    [ProtoMember(5)] public bool IsBuy { get; set; }
    [ProtoMember(6)] public long TimestampTicks { get; set; }
}

[ProtoContract]
public sealed class ProtobufBatch
{
    [ProtoMember(1)] public ProtobufOrder[] Orders { get; set; } = [];
}

/// <summary>The same data for every serializer.</summary>
public static class SampleData
{
    public const int BatchSize = 100;

    public static (long Id, int Quantity, double Price, string Symbol, bool IsBuy, long Ticks) Order(int i) =>
        (123_456_789 + i, 100 + (i % 7), 101.25 + i, "MSFT.OQ" + (char)('A' + (i % 26)), i % 2 == 0, new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc).Ticks + i);
}
