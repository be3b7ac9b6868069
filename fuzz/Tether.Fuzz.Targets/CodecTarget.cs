using System.Buffers;

namespace Tether.Fuzz;

/// <summary>
/// The generated codec of <see cref="Everything"/> (every member type): the input decoded from one span and from two
/// segments (the first byte says where), each ending at an unreadable page (<see cref="GuardedInput"/>), which must
/// agree; an accepted value re-encoded and decoded again must encode to the same bytes. The span is also decoded with a
/// string pool shared by every input (its table of recent values then holds earlier inputs' strings), which must accept
/// and produce exactly what the plain decode does.
/// </summary>
public sealed class CodecTarget : FuzzTarget
{
    /// <summary>
    /// What decoding may cost per input byte: a default <see cref="Scalars"/> in a list is one byte on the wire (an empty
    /// nested message) and the struct's whole size on the heap, and collections are sized from their count once the count
    /// is known to fit in the bytes present. afl found this amplification (216 heap bytes per wire byte, found as
    /// 122 KB from 620 bytes): it is the format's, not a believed length; <c>docs/fuzzing.md</c>.
    /// </summary>
    public static readonly long HeapBytesPerInputByte = System.Runtime.CompilerServices.Unsafe.SizeOf<Scalars>() + InputRules.AllocationPerInputByte;

    private static readonly DecodeOptions s_pooled = new() { StringPool = new CommunityToolkit.HighPerformance.Buffers.StringPool() };

    public override string Name => "codec";

    public override string Description => "TetherCodec.Decode<Everything> from a span and from two segments; round trip of what decodes";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        byte[] bytes = input.Slice(1).ToArray();
        Everything? fromSpan = null;
        Everything? fromSegments = null;
        bool spanAccepted = InputRules.Decode(bytes.Length, HeapBytesPerInputByte, bytes, b => fromSpan = TetherCodec.Decode<Everything>(GuardedInput.Place(b)));
        ReadOnlySequence<byte> split = Segments.Split(bytes, input[0]);
        bool segmentsAccepted = InputRules.Decode(bytes.Length, HeapBytesPerInputByte, split, s => fromSegments = TetherCodec.Decode<Everything>(s));
        if (spanAccepted != segmentsAccepted)
        {
            throw new FuzzFindingException($"The span decoder {(spanAccepted ? "accepted" : "refused")} what the sequence decoder {(segmentsAccepted ? "accepted" : "refused")}.");
        }

        Everything? pooled = null;
        bool pooledAccepted = InputRules.Decode(bytes.Length, HeapBytesPerInputByte, bytes, b => pooled = TetherCodec.Decode<Everything>(GuardedInput.Place(b), s_pooled));
        if (pooledAccepted != spanAccepted)
        {
            throw new FuzzFindingException($"The pooled decoder {(pooledAccepted ? "accepted" : "refused")} what the plain one {(spanAccepted ? "accepted" : "refused")}.");
        }

        if (!spanAccepted)
        {
            return;
        }

        byte[] once = TetherCodec.ToArray(fromSpan!);
        if (!once.AsSpan().SequenceEqual(TetherCodec.ToArray(fromSegments!)))
        {
            throw new FuzzFindingException("The span and sequence decoders produced different values.");
        }

        if (!once.AsSpan().SequenceEqual(TetherCodec.ToArray(pooled!)))
        {
            throw new FuzzFindingException("The pooled and plain decoders produced different values.");
        }

        byte[] twice = TetherCodec.ToArray(TetherCodec.Decode<Everything>(once.AsSpan()));
        if (!once.AsSpan().SequenceEqual(twice))
        {
            throw new FuzzFindingException("A decoded value did not survive encode → decode → encode unchanged.");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        byte[] rich = TetherCodec.ToArray(Samples.Rich);
        yield return new("rich", [(byte)(rich.Length / 2), .. rich]);
        byte[] sparse = TetherCodec.ToArray(new Everything(default, null, null, null, null, null, null, default, null, null, null, null, null, null, null, null, null, null, null, null, null));
        yield return new("sparse", [1, .. sparse]);
    }
}
