using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using CommunityToolkit.HighPerformance.Buffers;
using Tether.Internal;

namespace Tether.Serialization;

/// <summary>
/// The decode side of <see cref="DecodeOptions.StringPool"/>: a table of recent short ASCII values keyed by their UTF-8
/// bytes, in front of the <see cref="StringPool"/> that owns the instances. A value of up to 16 bytes seen before is
/// found before anything is transcoded — two word loads, one hash, one load and three compares, no lock — which costs
/// less than allocating it (decision 0029). Everything else (non-ASCII text, longer values, a slot holding another
/// value) is transcoded and looked up in the pool, which is what every pooled string cost before.
/// </summary>
/// <remarks>
/// The table is direct-mapped and bounded (1,024 slots, one per pool: options are made per connection, the values a pool
/// holds are the same whoever decodes). An entry is immutable and holds the bytes it was made from, so replacing one is
/// a single reference store and a hit compares the bytes exactly: a racing or colliding write costs a miss, never a wrong
/// value. Entries are only made for ASCII values (as many characters as bytes), and a hit matches the bytes of one, so a
/// hit needs no UTF-8 check. A peer sending ever new values only evicts entries (one small object per miss).
/// </remarks>
internal sealed class PooledStrings
{
    /// <summary>Longest value, in bytes, the table keeps: two 8-byte words hold it exactly.</summary>
    public const int MaxCachedBytes = 16;

    private const int SlotBits = 10;

    private static readonly ConditionalWeakTable<StringPool, PooledStrings> s_byPool = [];

    private readonly Entry?[] _slots = new Entry?[1 << SlotBits];
    private readonly StringPool _pool;

    private PooledStrings(StringPool pool) => _pool = pool;

    /// <summary>The pool the values come from.</summary>
    public StringPool Pool => _pool;

    /// <summary>The table in front of <paramref name="pool"/>, shared by every decoder that uses it.</summary>
    public static PooledStrings For(StringPool pool) => s_byPool.GetValue(pool, static p => new PooledStrings(p));

    /// <summary>
    /// The value seen before whose bytes are the <paramref name="length"/> (1 to <see cref="MaxCachedBytes"/>) bytes at
    /// <paramref name="bytes"/>, or null. The caller guarantees the bytes are readable.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public string? TryGetCached(ref byte bytes, int length)
    {
        Key key = Key.Of(ref bytes, length);
        Entry? entry = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), key.Slot);
        return entry is not null && entry.Head == key.Head && entry.Tail == key.Tail && entry.Value.Length == length ? entry.Value : null;
    }

    /// <summary>
    /// The string for <paramref name="bytes"/> (1 to 256 bytes of UTF-8, checked strictly): the pool's instance, which the
    /// table then remembers if it is short ASCII. <paramref name="consumed"/> places a decode error.
    /// </summary>
    public string Get(ReadOnlySpan<byte> bytes, long consumed)
    {
        if (bytes.Length <= MaxCachedBytes && TryGetCached(ref MemoryMarshal.GetReference(bytes), bytes.Length) is { } cached)
        {
            return cached;
        }

        string value = FromPool(bytes, consumed);
        if (bytes.Length <= MaxCachedBytes && value.Length == bytes.Length)
        {
            // As many characters as bytes: every byte was ASCII, so equal bytes later mean this value.
            Key key = Key.Of(ref MemoryMarshal.GetReference(bytes), bytes.Length);
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), key.Slot) = new Entry(key.Head, key.Tail, value);
        }

        return value;
    }

    /// <summary>The slot a short value's bytes take (tests make values that share one).</summary>
    internal static int SlotOf(ReadOnlySpan<byte> bytes) => Key.Of(ref MemoryMarshal.GetReference(bytes), bytes.Length).Slot;

    // Transcode (validating) onto the stack, then look the characters up: the pool returns the instance it holds.
    private string FromPool(ReadOnlySpan<byte> bytes, long consumed)
    {
        Span<char> chars = stackalloc char[bytes.Length]; // UTF-16 never has more code units than UTF-8 has bytes
        if (Utf8.ToUtf16(bytes, chars, out _, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidUtf8, consumed);
        }

        return _pool.GetOrAdd(chars.Slice(0, written));
    }

    /// <summary>A short value's bytes as two words (exact, given its length) and its slot.</summary>
    private readonly struct Key
    {
        public readonly ulong Head;
        public readonly ulong Tail;
        public readonly int Slot;

        private Key(ulong head, ulong tail, int length)
        {
            Head = head;
            Tail = tail;
            // A product only carries bits upwards: fold the high half down before the second multiply, or values that
            // differ in their last byte (the top of a little-endian word: "MSFT.OQA", "MSFT.OQB") share slots.
            ulong hash = (head ^ BitOperations.RotateLeft(tail, 32) ^ (uint)length) * 0x9E3779B97F4A7C15UL;
            hash = (hash ^ (hash >> 32)) * 0xC2B2AE3D27D4EB4FUL;
            Slot = (int)(hash >> (64 - SlotBits));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Key Of(ref byte start, int length)
        {
            // Overlapping loads from both ends hold every byte: with the length, equal words mean equal bytes.
            if (length >= sizeof(ulong))
            {
                return new Key(Unsafe.ReadUnaligned<ulong>(ref start), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - sizeof(ulong))), length);
            }

            if (length >= sizeof(uint))
            {
                return new Key(Unsafe.ReadUnaligned<uint>(ref start), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - sizeof(uint))), length);
            }

            return new Key(start | ((ulong)Unsafe.Add(ref start, length / 2) << 8) | ((ulong)Unsafe.Add(ref start, length - 1) << 16), 0, length);
        }
    }

    private sealed class Entry(ulong head, ulong tail, string value)
    {
        public readonly ulong Head = head;
        public readonly ulong Tail = tail;
        public readonly string Value = value;
    }
}
