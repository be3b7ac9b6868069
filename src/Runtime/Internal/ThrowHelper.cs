using System.Diagnostics.CodeAnalysis;

namespace Tether.Internal;

/// <summary>Throw sites kept out of hot methods so those stay small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName) => throw new ArgumentOutOfRangeException(paramName);

    [DoesNotReturn]
    public static void ThrowDecode(TetherErrorCode code, long position) => throw new TetherDecodeException(code, position);
}
