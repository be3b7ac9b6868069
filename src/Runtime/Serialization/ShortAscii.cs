using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Tether.Serialization;

/// <summary>
/// Narrows and widens ASCII text of at most <see cref="MaxMediumLength"/> characters with overlapping loads and
/// stores instead of a loop: the common case of protocol strings (symbols, names, keys), where
/// <see cref="Ascii"/>'s general routines spend more on setting up than on converting.
/// </summary>
/// <remarks>
/// Both directions read only inside the source's <c>length</c> elements and write only inside the destination's
/// <c>length</c> elements: the two blocks overlap in the middle rather than run past the end. A source that is not
/// entirely ASCII returns <see langword="false"/> with the destination partly written; callers then take the general path.
/// </remarks>
internal static class ShortAscii
{
    /// <summary>The longest text <see cref="TryNarrow"/> and <see cref="TryWiden"/> handle.</summary>
    public const int MaxLength = 16;

    /// <summary>The longest text <see cref="TryNarrowMedium"/> and <see cref="TryWidenMedium"/> handle.</summary>
    public const int MaxMediumLength = 32;

    private const ulong NonAsciiChars = 0xFF80_FF80_FF80_FF80UL;
    private const ulong NonAsciiBytes = 0x8080_8080_8080_8080UL;

    /// <summary>Writes <paramref name="length"/> (≤ <see cref="MaxLength"/>) chars as bytes, if they are all ASCII.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryNarrow(ref char source, int length, ref byte destination)
    {
        ref ushort chars = ref Unsafe.As<char, ushort>(ref source);
        if (length >= 8 && Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            Vector128<ushort> head = Vector128.LoadUnsafe(ref chars);
            Vector128<ushort> tail = Vector128.LoadUnsafe(ref chars, (nuint)(length - 8));
            if (((head | tail) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
            {
                return false;
            }

            Vector128<ulong> narrowed = Vector128.Narrow(head, tail).AsUInt64();
            Unsafe.WriteUnaligned(ref destination, narrowed.GetElement(0));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, length - 8), narrowed.GetElement(1));
            return true;
        }

        if (length >= 4 && BitConverter.IsLittleEndian)
        {
            ulong head = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref chars));
            ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref chars, length - 4)));
            if (((head | tail) & NonAsciiChars) != 0)
            {
                return false;
            }

            Unsafe.WriteUnaligned(ref destination, NarrowFour(head));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, length - 4), NarrowFour(tail));
            return true;
        }

        for (int i = 0; i < length; i++)
        {
            uint c = Unsafe.Add(ref chars, i);
            if (c > 0x7F)
            {
                return false;
            }

            Unsafe.Add(ref destination, i) = (byte)c;
        }

        return true;
    }

    /// <summary>Writes <paramref name="length"/> (≤ <see cref="MaxLength"/>) bytes as chars, if they are all ASCII.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryWiden(ref byte source, int length, ref char destination)
    {
        ref byte target = ref Unsafe.As<char, byte>(ref destination);
        if (length >= 8 && Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            ulong head = Unsafe.ReadUnaligned<ulong>(ref source);
            ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, length - 8));
            if (((head | tail) & NonAsciiBytes) != 0)
            {
                return false;
            }

            Vector128.WidenLower(Vector128.CreateScalarUnsafe(head).AsByte()).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref target));
            Vector128.WidenLower(Vector128.CreateScalarUnsafe(tail).AsByte()).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref target), (nuint)(length - 8));
            return true;
        }

        if (length >= 4 && BitConverter.IsLittleEndian)
        {
            uint head = Unsafe.ReadUnaligned<uint>(ref source);
            uint tail = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, length - 4));
            if (((head | tail) & 0x8080_8080u) != 0)
            {
                return false;
            }

            Unsafe.WriteUnaligned(ref target, WidenFour(head));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, (length - 4) * sizeof(char)), WidenFour(tail));
            return true;
        }

        ref ushort chars = ref Unsafe.As<char, ushort>(ref destination);
        for (int i = 0; i < length; i++)
        {
            byte b = Unsafe.Add(ref source, i);
            if (b > 0x7F)
            {
                return false;
            }

            Unsafe.Add(ref chars, i) = b;
        }

        return true;
    }

    /// <summary>
    /// Writes <paramref name="length"/> chars (<see cref="MaxLength"/> to <see cref="MaxMediumLength"/>) as bytes, if
    /// they are all ASCII: the first sixteen and the last sixteen, two blocks that overlap in the middle.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryNarrowMedium(ref char source, int length, ref byte destination)
    {
        if (!Vector128.IsHardwareAccelerated || !BitConverter.IsLittleEndian)
        {
            return Ascii.FromUtf16(
                MemoryMarshal.CreateReadOnlySpan(ref source, length),
                MemoryMarshal.CreateSpan(ref destination, length),
                out _) == OperationStatus.Done;
        }

        ref ushort chars = ref Unsafe.As<char, ushort>(ref source);
        Vector128<ushort> first = Vector128.LoadUnsafe(ref chars);
        Vector128<ushort> second = Vector128.LoadUnsafe(ref chars, 8);
        Vector128<ushort> third = Vector128.LoadUnsafe(ref chars, (nuint)(length - 16));
        Vector128<ushort> fourth = Vector128.LoadUnsafe(ref chars, (nuint)(length - 8));
        if (((first | second | third | fourth) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
        {
            return false;
        }

        Vector128.Narrow(first, second).StoreUnsafe(ref destination);
        Vector128.Narrow(third, fourth).StoreUnsafe(ref destination, (nuint)(length - 16));
        return true;
    }

    /// <summary>
    /// Writes <paramref name="length"/> bytes (<see cref="MaxLength"/> to <see cref="MaxMediumLength"/>) as chars, if
    /// they are all ASCII: the first sixteen and the last sixteen, two blocks that overlap in the middle.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryWidenMedium(ref byte source, int length, ref char destination)
    {
        if (!Vector128.IsHardwareAccelerated || !BitConverter.IsLittleEndian)
        {
            return Ascii.ToUtf16(
                MemoryMarshal.CreateReadOnlySpan(ref source, length),
                MemoryMarshal.CreateSpan(ref destination, length),
                out _) == OperationStatus.Done;
        }

        Vector128<byte> head = Vector128.LoadUnsafe(ref source);
        Vector128<byte> tail = Vector128.LoadUnsafe(ref source, (nuint)(length - 16));
        if (((head | tail) & Vector128.Create((byte)0x80)) != Vector128<byte>.Zero)
        {
            return false;
        }

        ref ushort chars = ref Unsafe.As<char, ushort>(ref destination);
        (Vector128<ushort> headLow, Vector128<ushort> headHigh) = Vector128.Widen(head);
        (Vector128<ushort> tailLow, Vector128<ushort> tailHigh) = Vector128.Widen(tail);
        headLow.StoreUnsafe(ref chars);
        headHigh.StoreUnsafe(ref chars, 8);
        tailLow.StoreUnsafe(ref chars, (nuint)(length - 16));
        tailHigh.StoreUnsafe(ref chars, (nuint)(length - 8));
        return true;
    }

    // Four ASCII chars (little-endian, high bytes zero) to four bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NarrowFour(ulong chars)
    {
        chars = (chars | (chars >> 8)) & 0x0000_FFFF_0000_FFFFUL;
        return (uint)(chars | (chars >> 16));
    }

    // Four ASCII bytes to four chars.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WidenFour(uint bytes)
    {
        ulong value = bytes;
        value = (value | (value << 16)) & 0x0000_FFFF_0000_FFFFUL;
        return (value | (value << 8)) & 0x00FF_00FF_00FF_00FFUL;
    }
}
