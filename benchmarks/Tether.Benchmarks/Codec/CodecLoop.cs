using System.Diagnostics;

namespace Tether.Benchmarks.Codec;

/// <summary>
/// The codecs (batches of 100 Orders and one Order) against MemoryPack, alternated in one process: each round times
/// every pair back to back, so a noisy machine slows both sides of a pair alike. BenchmarkDotNet runs each benchmark on
/// its own, minutes apart, which on two shared cores swung the same code's ratio by ±15 %. Run with
/// <c>dotnet run -c Release --project benchmarks/Tether.Benchmarks -- --codec-loop [rounds] [operation filter]</c>; the
/// filter (e.g. <c>"decode List"</c>) keeps the operations whose name contains it, so a profiler sees one pair alone.
/// </summary>
internal static class CodecLoop
{
    private const int Iterations = 20_000; // calls per timing of a batch operation; a single Order's run 100 times as many

    public static void Run(int rounds, string? filter)
    {
        var batch = new BatchCodecBenchmarks();
        batch.Setup();
        var list = new ListBatchCodecBenchmarks();
        list.Setup();
        var longSymbols = new ListBatchCodecBenchmarks { SymbolLength = 24 };
        longSymbols.Setup();
        var single = new OrderCodecBenchmarks();
        single.Setup();
        (string Name, Func<object?> MemoryPack, Func<object?> Tether, int Scale)[] pairs =
        [
            ("encode Order[100]", () => batch.Encode_MemoryPack(), () => batch.Encode_Tether(), 1),
            ("encode List<Order>(100)", () => list.Encode_MemoryPack(), () => list.Encode_Tether(), 1),
            ("decode Order[100]", batch.Decode_MemoryPack, batch.Decode_Tether, 1),
            ("decode List<Order>(100)", list.Decode_MemoryPack, list.Decode_Tether, 1),
            ("decode Order[100], pooled strings", batch.Decode_MemoryPack, batch.Decode_Tether_PooledStrings, 1),
            ("decode List<Order>(100), pooled strings", list.Decode_MemoryPack, list.Decode_Tether_PooledStrings, 1),
            ("encode List<Order>(100), 24-character symbols", () => longSymbols.Encode_MemoryPack(), () => longSymbols.Encode_Tether(), 1),
            ("decode List<Order>(100), 24-character symbols", longSymbols.Decode_MemoryPack, longSymbols.Decode_Tether, 1),
            ("encode Order", () => single.Encode_MemoryPack(), () => single.Encode_Tether(), 100),
            ("decode Order", single.Decode_MemoryPack, single.Decode_Tether, 100),
        ];
        if (filter is not null)
        {
            // An exact name picks one operation ("decode List<Order>(100)" without its pooled twin); otherwise a substring.
            var exact = pairs.Where(pair => pair.Name.Equals(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
            pairs = exact.Length > 0 ? exact : pairs.Where(pair => pair.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
        }

        var ratios = pairs.Select(static _ => new List<(double MemoryPack, double Tether)>()).ToArray();
        for (int round = 0; round < rounds + 1; round++)
        {
            for (int i = 0; i < pairs.Length; i++)
            {
                double memoryPack = NanosecondsPerCall(pairs[i].MemoryPack, Iterations * pairs[i].Scale);
                double tether = NanosecondsPerCall(pairs[i].Tether, Iterations * pairs[i].Scale);
                if (round > 0)
                {
                    ratios[i].Add((memoryPack, tether)); // round 0 warms up (tiered compilation reaches its final code)
                }
            }
        }

        Console.WriteLine($"Medians of {rounds} alternated rounds of {Iterations:N0} calls each ({Iterations * 100:N0} for a single Order):");
        Console.WriteLine("| operation | MemoryPack ns | Tether ns | Tether / MemoryPack (median of the rounds' ratios) | MemoryPack B/op | Tether B/op |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (int i = 0; i < pairs.Length; i++)
        {
            double memoryPack = Median(ratios[i].Select(static r => r.MemoryPack));
            double tether = Median(ratios[i].Select(static r => r.Tether));
            double ratio = Median(ratios[i].Select(static r => r.Tether / r.MemoryPack));
            Console.WriteLine($"| {pairs[i].Name} | {memoryPack:N0} | {tether:N0} | {ratio:N2}× | {BytesPerCall(pairs[i].MemoryPack):N0} | {BytesPerCall(pairs[i].Tether):N0} |");
        }
    }

    private static double NanosecondsPerCall(Func<object?> call, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            GC.KeepAlive(call());
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    private static long BytesPerCall(Func<object?> call)
    {
        const int Calls = 100;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            GC.KeepAlive(call());
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
