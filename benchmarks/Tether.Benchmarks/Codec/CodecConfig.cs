using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using MemoryPack;
using MessagePack;

namespace Tether.Benchmarks.Codec;

/// <summary>Groups encode and decode separately and adds an encoded-size column.</summary>
public sealed class CodecConfig : ManualConfig
{
    public CodecConfig()
    {
        AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(15).WithLaunchCount(1));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        AddColumn(new EncodedSizeColumn());
        AddColumn(CategoriesColumn.Default);
    }
}

/// <summary>Bytes each serializer produces for the benchmark's data (deterministic, computed in the host).</summary>
public sealed class EncodedSizeColumn : IColumn
{
    private static readonly Lazy<Dictionary<string, int>> s_sizes = new(Measure);

    public string Id => nameof(EncodedSizeColumn);
    public string ColumnName => "Encoded";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Size;
    public string Legend => "Encoded size in bytes";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        string serializer = method[(method.IndexOf('_') + 1)..];
        string key = benchmarkCase.Descriptor.Type.Name + "." + serializer;
        return s_sizes.Value.TryGetValue(key, out int size) ? size + " B" : "?";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static Dictionary<string, int> Measure()
    {
        var sizes = new Dictionary<string, int>();
        var single = new OrderCodecBenchmarks();
        single.Setup();
        var batch = new BatchCodecBenchmarks();
        batch.Setup();
        sizes[nameof(OrderCodecBenchmarks) + ".Tether_ExactSpan"] = single.Encode_Tether_ExactSpan();
        var list = new ListBatchCodecBenchmarks();
        list.Setup();
        sizes[nameof(ListBatchCodecBenchmarks) + ".Tether"] = list.Encode_Tether();
        sizes[nameof(ListBatchCodecBenchmarks) + ".MemoryPack"] = list.Encode_MemoryPack();
        foreach ((string type, Func<int>[] encoders) in new[]
        {
            (nameof(OrderCodecBenchmarks), new Func<int>[] { single.Encode_Tether, single.Encode_MemoryPack, single.Encode_MessagePack, single.Encode_ProtobufNet }),
            (nameof(BatchCodecBenchmarks), new Func<int>[] { batch.Encode_Tether, batch.Encode_MemoryPack, batch.Encode_MessagePack, batch.Encode_ProtobufNet }),
        })
        {
            string[] names = ["Tether", "MemoryPack", "MessagePack", "ProtobufNet"];
            for (int i = 0; i < names.Length; i++)
            {
                sizes[type + "." + names[i]] = encoders[i]();
            }
        }

        return sizes;
    }
}
