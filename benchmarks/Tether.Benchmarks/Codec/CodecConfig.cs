using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

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
        Add(new OrderCodecBenchmarks());
        Add(new BatchCodecBenchmarks());
        return sizes;

        void Add<TT, TMP, TMsg, TPb>(CodecBenchmarks<TT, TMP, TMsg, TPb> benchmarks)
            where TT : IMessage<TT>
        {
            benchmarks.Setup();
            string type = benchmarks.GetType().Name;
            sizes[type + ".Tether"] = benchmarks.Encode_Tether();
            sizes[type + ".MemoryPack"] = benchmarks.Encode_MemoryPack();
            sizes[type + ".MessagePack"] = benchmarks.Encode_MessagePack();
            sizes[type + ".ProtobufNet"] = benchmarks.Encode_ProtobufNet();
        }
    }
}
