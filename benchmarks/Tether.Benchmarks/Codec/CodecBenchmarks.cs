using System.Buffers;
using BenchmarkDotNet.Attributes;
using MemoryPack;
using MessagePack;

namespace Tether.Benchmarks.Codec;

// The two classes below repeat the same benchmark bodies over different types on purpose: a generic
// base class over these reference types runs as shared canonical code, where every serializer call
// pays a runtime generic-dictionary lookup, which skewed the comparison (MemoryPack's encode moved
// from ~18 ns to 24 ns). Concrete classes keep each call bound exactly, as in user code.

/// <summary>Encode and decode of one standard Order, side by side with MemoryPack, MessagePack and protobuf-net.</summary>
[MemoryDiagnoser]
[Config(typeof(CodecConfig))]
public class OrderCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly byte[] _exact = new byte[256];
    private TetherOrder _tether = null!;
    private MemoryPackOrder _memoryPack = null!;
    private MessagePackOrder _messagePack = null!;
    private ProtobufOrder _protobuf = null!;
    private byte[] _tetherBytes = null!;
    private byte[] _memoryPackBytes = null!;
    private byte[] _messagePackBytes = null!;
    private byte[] _protobufBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        var o = SampleData.Order(0);
        _tether = new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks);
        _memoryPack = new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks);
        _messagePack = new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks);
        _protobuf = new() { Id = o.Id, Quantity = o.Quantity, Price = o.Price, Symbol = o.Symbol, IsBuy = o.IsBuy, TimestampTicks = o.Ticks };
        _tetherBytes = TetherCodec.ToArray(_tether);
        _memoryPackBytes = MemoryPackSerializer.Serialize(_memoryPack);
        _messagePackBytes = MessagePackSerializer.Serialize(_messagePack);
        _protobufBytes = ToArray(static (w, v) => ProtoBuf.Serializer.Serialize(w, v), _protobuf);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int Encode_MemoryPack()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, _memoryPack);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_Tether()
    {
        _output.ResetWrittenCount();
        return TetherCodec.Encode(_output, _tether);
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_MessagePack()
    {
        _output.ResetWrittenCount();
        MessagePackSerializer.Serialize(_output, _messagePack);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_ProtobufNet()
    {
        _output.ResetWrittenCount();
        ProtoBuf.Serializer.Serialize(_output, _protobuf);
        return _output.WrittenCount;
    }

    // As a frame is written: sized first, then encoded into exactly that many bytes of the send buffer.
    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_Tether_ExactSpan() => TetherCodec.Encode(_exact.AsSpan(0, TetherCodec.GetEncodedSize(_tether)), _tether);

    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public MemoryPackOrder? Decode_MemoryPack() => MemoryPackSerializer.Deserialize<MemoryPackOrder>(_memoryPackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TetherOrder Decode_Tether() => TetherCodec.Decode<TetherOrder>(_tetherBytes);

    // Opt-in (DecodeOptions.StringPool): the symbol seen before is not allocated again.
    internal static readonly DecodeOptions PooledStrings = new() { StringPool = new CommunityToolkit.HighPerformance.Buffers.StringPool() };

    [Benchmark, BenchmarkCategory("Decode")]
    public TetherOrder Decode_Tether_PooledStrings() => TetherCodec.Decode<TetherOrder>(_tetherBytes, PooledStrings);

    [Benchmark, BenchmarkCategory("Decode")]
    public MessagePackOrder Decode_MessagePack() => MessagePackSerializer.Deserialize<MessagePackOrder>(_messagePackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public ProtobufOrder Decode_ProtobufNet() => ProtoBuf.Serializer.Deserialize<ProtobufOrder>((ReadOnlySpan<byte>)_protobufBytes);

    internal static byte[] ToArray<T>(Action<IBufferWriter<byte>, T> write, T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer, value);
        return writer.WrittenSpan.ToArray();
    }
}

/// <summary>Encode and decode of a batch of 100 Orders.</summary>
[MemoryDiagnoser]
[Config(typeof(CodecConfig))]
public class BatchCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private TetherBatch _tether = null!;
    private MemoryPackBatch _memoryPack = null!;
    private MessagePackBatch _messagePack = null!;
    private ProtobufBatch _protobuf = null!;
    private byte[] _tetherBytes = null!;
    private byte[] _memoryPackBytes = null!;
    private byte[] _messagePackBytes = null!;
    private byte[] _protobufBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        var orders = Enumerable.Range(0, SampleData.BatchSize).Select(SampleData.Order).ToArray();
        _tether = new(orders.Select(static o => new TetherOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray());
        _memoryPack = new(orders.Select(static o => new MemoryPackOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray());
        _messagePack = new(orders.Select(static o => new MessagePackOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray());
        _protobuf = new() { Orders = orders.Select(static o => new ProtobufOrder { Id = o.Id, Quantity = o.Quantity, Price = o.Price, Symbol = o.Symbol, IsBuy = o.IsBuy, TimestampTicks = o.Ticks }).ToArray() };
        _tetherBytes = TetherCodec.ToArray(_tether);
        _memoryPackBytes = MemoryPackSerializer.Serialize(_memoryPack);
        _messagePackBytes = MessagePackSerializer.Serialize(_messagePack);
        _protobufBytes = OrderCodecBenchmarks.ToArray(static (w, v) => ProtoBuf.Serializer.Serialize(w, v), _protobuf);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int Encode_MemoryPack()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, _memoryPack);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_Tether()
    {
        _output.ResetWrittenCount();
        return TetherCodec.Encode(_output, _tether);
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_MessagePack()
    {
        _output.ResetWrittenCount();
        MessagePackSerializer.Serialize(_output, _messagePack);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_ProtobufNet()
    {
        _output.ResetWrittenCount();
        ProtoBuf.Serializer.Serialize(_output, _protobuf);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public MemoryPackBatch? Decode_MemoryPack() => MemoryPackSerializer.Deserialize<MemoryPackBatch>(_memoryPackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TetherBatch Decode_Tether() => TetherCodec.Decode<TetherBatch>(_tetherBytes);

    // Opt-in (DecodeOptions.StringPool): the batch repeats 26 symbols, so a warm pool allocates none of them.
    [Benchmark, BenchmarkCategory("Decode")]
    public TetherBatch Decode_Tether_PooledStrings() => TetherCodec.Decode<TetherBatch>(_tetherBytes, OrderCodecBenchmarks.PooledStrings);

    [Benchmark, BenchmarkCategory("Decode")]
    public MessagePackBatch Decode_MessagePack() => MessagePackSerializer.Deserialize<MessagePackBatch>(_messagePackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public ProtobufBatch Decode_ProtobufNet() => ProtoBuf.Serializer.Deserialize<ProtobufBatch>((ReadOnlySpan<byte>)_protobufBytes);
}

/// <summary>The same batch held in a <c>List&lt;T&gt;</c> (the case), Tether against MemoryPack.</summary>
[MemoryDiagnoser]
[Config(typeof(CodecConfig))]
public class ListBatchCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private TetherListBatch _tether = null!;
    private MemoryPackListBatch _memoryPack = null!;
    private byte[] _tetherBytes = null!;
    private byte[] _memoryPackBytes = null!;

    /// <summary>
    /// Characters per symbol (8 as standard). Past 16 a symbol is not read in place, so every Order of the batch takes the
    /// checked read (the codec loop's "long symbols" operation measures that fallback).
    /// </summary>
    public int SymbolLength { get; set; } = 8;

    [GlobalSetup]
    public void Setup()
    {
        var orders = Enumerable.Range(0, SampleData.BatchSize).Select(SampleData.Order)
            .Select(o => o with { Symbol = o.Symbol.PadLeft(SymbolLength, 'X') })
            .ToArray();
        _tether = new([.. orders.Select(static o => new TetherOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks))]);
        _memoryPack = new([.. orders.Select(static o => new MemoryPackOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks))]);
        _tetherBytes = TetherCodec.ToArray(_tether);
        _memoryPackBytes = MemoryPackSerializer.Serialize(_memoryPack);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int Encode_MemoryPack()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, _memoryPack);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode")]
    public int Encode_Tether()
    {
        _output.ResetWrittenCount();
        return TetherCodec.Encode(_output, _tether);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public MemoryPackListBatch? Decode_MemoryPack() => MemoryPackSerializer.Deserialize<MemoryPackListBatch>(_memoryPackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TetherListBatch Decode_Tether() => TetherCodec.Decode<TetherListBatch>(_tetherBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TetherListBatch Decode_Tether_PooledStrings() => TetherCodec.Decode<TetherListBatch>(_tetherBytes, OrderCodecBenchmarks.PooledStrings);
}
