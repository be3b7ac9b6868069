using System.Buffers;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Tether.Benchmarks.Codec;
using Tether.Compression;

namespace Tether.Benchmarks.Compression;

/// <summary>
/// Size and time per compression algorithm and level on a realistic payload (issue 27, decision 0023): a batch of 1,000
/// orders as the codec encodes it (about 30 KB), compressed and inflated as a frame's payload is.
/// Run: <c>dotnet run -c Release --project benchmarks/Tether.Benchmarks -- --filter '*CompressionBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SizeConfig))]
public class CompressionBenchmarks
{
    private byte[] _payload = [];
    private byte[] _packed = [];
    private byte[] _scratch = [];
    private FrameCompression _compression = null!;

    /// <summary>The algorithm.</summary>
    [Params(CompressionAlgorithm.Lz4, CompressionAlgorithm.Zstd, CompressionAlgorithm.Brotli, CompressionAlgorithm.GZip)]
    public CompressionAlgorithm Algorithm { get; set; }

    /// <summary>How hard it tries.</summary>
    [Params(CompressionLevel.Fastest, CompressionLevel.Optimal)]
    public CompressionLevel Level { get; set; }

    /// <summary>Encodes the batch and compresses it once (for the inflate benchmark and the size column).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = Payload();
        _compression = new FrameCompression(Algorithm, 1, Level);
        _scratch = new byte[_compression.MaxPayloadSize(_payload.Length)];
        _packed = _scratch.AsSpan(0, _compression.Compress(_payload, _scratch)).ToArray();
    }

    /// <summary>The payload: 1,000 orders, encoded.</summary>
    public static byte[] Payload() =>
        TetherCodec.ToArray(new TetherBatch([.. Enumerable.Range(0, 1000).Select(SampleData.Order).Select(static o => new TetherOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks))]));

    /// <summary>Compresses the payload into a frame payload.</summary>
    [Benchmark]
    public int Compress() => _compression.Compress(_payload, _scratch);

    /// <summary>Inflates it back (into a pooled buffer, as the receive loop does).</summary>
    [Benchmark]
    public int Inflate()
    {
        FrameCompression.TryInflate(new ReadOnlySequence<byte>(_packed), 1 << 20, out byte[]? buffer, out int length, out _);
        ArrayPool<byte>.Shared.Return(buffer!);
        return length;
    }

    /// <summary>Adds the compressed size (and ratio) of each case as a column.</summary>
    private sealed class SizeConfig : ManualConfig
    {
        public SizeConfig() => AddColumn(new SizeColumn());

        private sealed class SizeColumn : IColumn
        {
            public string Id => "CompressedSize";

            public string ColumnName => "Size (of raw)";

            public bool AlwaysShow => true;

            public ColumnCategory Category => ColumnCategory.Custom;

            public int PriorityInCategory => 0;

            public bool IsNumeric => false;

            public UnitType UnitType => UnitType.Dimensionless;

            public string Legend => "Compressed payload bytes, and the uncompressed size";

            public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
            {
                var algorithm = (CompressionAlgorithm)benchmarkCase.Parameters["Algorithm"];
                var level = (CompressionLevel)benchmarkCase.Parameters["Level"];
                byte[] payload = Payload();
                var compression = new FrameCompression(algorithm, 1, level);
                byte[] scratch = new byte[compression.MaxPayloadSize(payload.Length)];
                int packed = compression.Compress(payload, scratch);
                return $"{packed:N0} B ({100.0 * packed / payload.Length:0.0} % of {payload.Length:N0})";
            }

            public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

            public bool IsAvailable(Summary summary) => true;

            public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        }
    }
}
