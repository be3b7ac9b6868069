using CsCheck;
using Tether.Runtime.Tests.Messages;

namespace Tether.Runtime.Tests.Support;

/// <summary>CsCheck generators for every test message.</summary>
public static class Generators
{
    /// <summary>Strings of valid Unicode scalars (lone surrogates cannot round-trip through UTF-8).</summary>
    public static readonly Gen<string> Text = Gen.Int[0, 0x10FFFF]
        .Where(static c => c < 0xD800 || c > 0xDFFF)
        .Array[0, 24]
        .Select(static cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    public static readonly Gen<string?> MaybeText = Gen.Frequency((1, Gen.Const<string?>((string?)null)), (6, Text.Select(static s => (string?)s)));

    public static readonly Gen<DateTime> DateTimes = Gen.Select(Gen.Long[0, DateTime.MaxValue.Ticks], Gen.Int[0, 2],
        static (ticks, kind) => new DateTime(ticks, (DateTimeKind)kind));

    public static readonly Gen<DateTimeOffset> DateTimeOffsets = Gen.Select(Gen.Long[DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay], Gen.Int[-14 * 60, 14 * 60],
        static (ticks, minutes) => new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes)));

    public static readonly Gen<Order> Orders = Gen.Select(Gen.Long, Gen.Int, Gen.Double, Text, Gen.Bool, Gen.Long,
        static (id, qty, price, symbol, isBuy, ts) => new Order(id, qty, price, symbol, isBuy, ts));

    public static readonly Gen<Primitives> PrimitiveValues =
        Gen.Select(
            Gen.Select(Gen.Bool, Gen.Byte, Gen.SByte, Gen.Short, Gen.UShort, Gen.Int, Gen.UInt, Gen.Long),
            Gen.Select(Gen.ULong, Gen.Long, Gen.ULong, Gen.Char, Gen.Float, Gen.Double, Gen.Short, Gen.Decimal),
            Gen.Select(Gen.Long, Gen.Long, Gen.Guid, DateTimes, DateTimeOffsets, Gen.Long, Gen.Enum<Side>(), Gen.Byte),
            Gen.Enum<Wide>(),
            static (a, b, c, wide) => new Primitives(
                a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, a.Item8, b.Item1,
                (nint)b.Item2, (nuint)b.Item3, b.Item4, b.Item5, b.Item6, BitConverter.Int16BitsToHalf(b.Item7), b.Item8,
                new Int128((ulong)c.Item1, (ulong)c.Item2), new UInt128((ulong)c.Item2, (ulong)c.Item1),
                c.Item3, c.Item4, c.Item5, new TimeSpan(c.Item6), c.Item7, (Flags)c.Item8, wide));

    public static readonly Gen<RunPrimitives> RunPrimitiveValues =
        Gen.Select(
            Gen.Select(Gen.Bool, Gen.Byte, Gen.SByte, Gen.Short, Gen.UShort, Gen.Int, Gen.UInt, Gen.Long),
            Gen.Select(Gen.ULong, Gen.Long, Gen.ULong, Gen.Char, Gen.Float, Gen.Double, Gen.Short, DateTimes),
            Gen.Select(Gen.Long, Gen.Enum<Side>(), Gen.Byte, Gen.Enum<Wide>(), Gen.Int.Nullable(), Gen.Enum<Side>().Nullable(), MaybeText),
            Gen.Select(Gen.Long.Nullable(), Gen.ULong),
            static (a, b, c, d) => new RunPrimitives(
                a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, a.Item8, b.Item1,
                (nint)b.Item2, (nuint)b.Item3, b.Item4, b.Item5, b.Item6, BitConverter.Int16BitsToHalf(b.Item7), b.Item8,
                new TimeSpan(c.Item1), c.Item2, (Flags)c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, d.Item1, d.Item2));

    public static readonly Gen<RunBatch> RunBatches =
        Gen.Select(RunPrimitiveValues.List[0, 12], Orders.Array[0, 12], static (items, orders) => new RunBatch(items, orders));

    public static readonly Gen<Scalars> ScalarValues =
        Gen.Select(
            Gen.Select(Gen.Int.Nullable(), Gen.Guid.Nullable(), Gen.Enum<Side>().Nullable(), MaybeText),
            Gen.Select(Gen.Byte.Array[0, 40].Null(), Gen.Byte.Array[0, 40], DateTimeOffsets.Nullable(), PrimitiveValues.Nullable()),
            static (a, b) => new Scalars
            {
                MaybeInt = a.Item1, MaybeGuid = a.Item2, MaybeSide = a.Item3, Text = a.Item4,
                Bytes = b.Item1, Memory = b.Item2, When = b.Item3, MaybeStruct = b.Item4,
            });

    public static readonly Gen<Collections> CollectionValues =
        Gen.Select(
            Gen.Select(Gen.Int.Array[0, 8].Null(), MaybeText.List[0, 6].Null(), Gen.Double.Array[0, 6].Select(static a => (IReadOnlyList<double>)a).Null()),
            Gen.Select(
                Gen.Dictionary(Text, Gen.Int)[0, 5].Null(),
                Gen.Dictionary(Gen.Int, Orders)[0, 3].Null(),
                Orders.Array[0, 3].Null()),
            Gen.Select(
                PrimitiveValues.List[0, 2].Null(),
                ScalarValues.Null(),
                Gen.Int.Array[0, 4].Null().Array[0, 3].Null(),
                Gen.Int.Nullable().List[0, 5].Null(),
                Gen.Dictionary(Gen.Guid, Text.List[0, 3])[0, 3].Null()),
            static (a, b, c) => new Collections(a.Item1, a.Item2, a.Item3, b.Item1, b.Item2, b.Item3, c.Item1, c.Item2, c.Item3, c.Item4, c.Item5));
}
