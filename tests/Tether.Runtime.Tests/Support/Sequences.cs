using System.Buffers;

namespace Tether.Runtime.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s to exercise decoders across segment boundaries.</summary>
public static class Sequences
{
    /// <summary>Every way to split <paramref name="bytes"/> into two segments, plus one segment per byte, plus with empty segments in between.</summary>
    public static IEnumerable<ReadOnlySequence<byte>> AllSplits(byte[] bytes)
    {
        yield return new ReadOnlySequence<byte>(bytes);
        for (int split = 0; split <= bytes.Length; split++)
        {
            yield return Create(bytes.AsMemory(0, split), bytes.AsMemory(split));
        }

        yield return Create(Enumerable.Range(0, bytes.Length).Select(i => (ReadOnlyMemory<byte>)bytes.AsMemory(i, 1)).ToArray());
        yield return Create(Enumerable.Range(0, bytes.Length).SelectMany(i => new ReadOnlyMemory<byte>[] { bytes.AsMemory(i, 1), ReadOnlyMemory<byte>.Empty }).ToArray());
    }

    /// <summary>For large inputs: two-segment splits near both ends, in the middle and at a stride, plus 1 KiB segments.</summary>
    public static IEnumerable<ReadOnlySequence<byte>> SampledSplits(byte[] bytes)
    {
        var points = new SortedSet<int> { 0, 1, 2, bytes.Length / 2, bytes.Length - 2, bytes.Length - 1, bytes.Length };
        for (int i = 0; i < bytes.Length; i += 4099)
        {
            points.Add(i);
        }

        foreach (int split in points.Where(p => p >= 0 && p <= bytes.Length))
        {
            yield return Create(bytes.AsMemory(0, split), bytes.AsMemory(split));
        }

        yield return Create(bytes.Chunk(1024).Select(static c => (ReadOnlyMemory<byte>)c).ToArray());
    }

    public static ReadOnlySequence<byte> Create(params ReadOnlyMemory<byte>[] segments)
    {
        if (segments.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(segments[0], 0);
        Segment last = first;
        for (int i = 1; i < segments.Length; i++)
        {
            last = last.Append(segments[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
