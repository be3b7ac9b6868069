using System.Buffers;
using BenchmarkDotNet.Attributes;
using MemoryPack;
using MessagePack;
using Tether.Serialization;

namespace Tether.Benchmarks.Codec;

/// <summary>
/// Encode and decode of the same data with Tether, MemoryPack, MessagePack and protobuf-net, side by
/// side in one run. Each serializer writes to the same reused <see cref="ArrayBufferWriter{T}"/> and
/// reads from a byte array it produced.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(CodecConfig))]
public abstract class CodecBenchmarks<TTether, TMemoryPack, TMessagePack, TProtobuf>
    where TTether : IMessage<TTether>
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private TTether _tether = default!;
    private TMemoryPack _memoryPack = default!;
    private TMessagePack _messagePack = default!;
    private TProtobuf _protobuf = default!;
    private byte[] _tetherBytes = null!;
    private byte[] _memoryPackBytes = null!;
    private byte[] _messagePackBytes = null!;
    private byte[] _protobufBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_tether, _memoryPack, _messagePack, _protobuf) = CreateData();
        _tetherBytes = TetherCodec.ToArray(_tether);
        _memoryPackBytes = MemoryPackSerializer.Serialize(_memoryPack);
        _messagePackBytes = MessagePackSerializer.Serialize(_messagePack);
        var writer = new ArrayBufferWriter<byte>();
        ProtoBuf.Serializer.Serialize(writer, _protobuf);
        _protobufBytes = writer.WrittenSpan.ToArray();
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
    public TMemoryPack? Decode_MemoryPack() => MemoryPackSerializer.Deserialize<TMemoryPack>(_memoryPackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TTether Decode_Tether() => TetherCodec.Decode<TTether>(_tetherBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TMessagePack Decode_MessagePack() => MessagePackSerializer.Deserialize<TMessagePack>(_messagePackBytes);

    [Benchmark, BenchmarkCategory("Decode")]
    public TProtobuf Decode_ProtobufNet() => ProtoBuf.Serializer.Deserialize<TProtobuf>((ReadOnlySpan<byte>)_protobufBytes);

    /// <summary>The same values in each serializer's type.</summary>
    protected abstract (TTether Tether, TMemoryPack MemoryPack, TMessagePack MessagePack, TProtobuf Protobuf) CreateData();
}

/// <summary>One standard Order.</summary>
public class OrderCodecBenchmarks : CodecBenchmarks<TetherOrder, MemoryPackOrder, MessagePackOrder, ProtobufOrder>
{
    protected override (TetherOrder, MemoryPackOrder, MessagePackOrder, ProtobufOrder) CreateData()
    {
        var o = SampleData.Order(0);
        return (
            new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks),
            new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks),
            new(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks),
            new() { Id = o.Id, Quantity = o.Quantity, Price = o.Price, Symbol = o.Symbol, IsBuy = o.IsBuy, TimestampTicks = o.Ticks });
    }
}

/// <summary>A batch of 100 Orders (a message holding an array of messages).</summary>
public class BatchCodecBenchmarks : CodecBenchmarks<TetherBatch, MemoryPackBatch, MessagePackBatch, ProtobufBatch>
{
    protected override (TetherBatch, MemoryPackBatch, MessagePackBatch, ProtobufBatch) CreateData()
    {
        var orders = Enumerable.Range(0, SampleData.BatchSize).Select(SampleData.Order).ToArray();
        return (
            new(orders.Select(static o => new TetherOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray()),
            new(orders.Select(static o => new MemoryPackOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray()),
            new(orders.Select(static o => new MessagePackOrder(o.Id, o.Quantity, o.Price, o.Symbol, o.IsBuy, o.Ticks)).ToArray()),
            new() { Orders = orders.Select(static o => new ProtobufOrder { Id = o.Id, Quantity = o.Quantity, Price = o.Price, Symbol = o.Symbol, IsBuy = o.IsBuy, TimestampTicks = o.Ticks }).ToArray() });
    }
}
