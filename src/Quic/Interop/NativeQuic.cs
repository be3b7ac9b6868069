using System.Runtime.InteropServices;

namespace Tether.Quic.Interop;

/// <summary>
/// Checks once that the native QUIC stack is present and is the version whose layouts <see cref="Ngtcp2"/> mirrors.
/// </summary>
internal static unsafe class NativeQuic
{
    private static readonly Lazy<string?> s_problem = new(Probe);

    /// <summary>The loaded ngtcp2 version (for example <c>0.12.1</c>), or null when it cannot be loaded.</summary>
    public static string? Version { get; private set; }

    /// <summary>Why QUIC cannot run here (3008), or null when it can.</summary>
    public static string? Problem => s_problem.Value is { } problem ? $"3008 protocol.transport_unavailable: {problem}" : null;

    /// <summary>Whether QUIC can run on this machine.</summary>
    public static bool IsSupported => s_problem.Value is null;

    /// <summary>Throws a typed error when QUIC cannot run here, naming what is missing.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.TransportUnavailable"/>.</exception>
    public static void ThrowIfUnsupported()
    {
        if (s_problem.Value is { } problem)
        {
            throw new TetherException(TetherErrorCode.TransportUnavailable, problem);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "The ngtcp2 QUIC backend runs on Linux only.";
        }

        foreach (string library in (ReadOnlySpan<string>)[Ngtcp2.Library, Ngtcp2Crypto.Library, GnuTls.Library])
        {
            if (!NativeLibrary.TryLoad(library, out nint handle))
            {
                return $"{library} cannot be loaded: install libngtcp2-9, libngtcp2-crypto-gnutls2 and libgnutls30 (Debian 12).";
            }

            NativeLibrary.Free(handle);
        }

        ngtcp2_info* info = Ngtcp2.version(0);
        Version = Marshal.PtrToStringUTF8((nint)info->version_str);
        return (info->version_num & 0xFFFF00) == Ngtcp2.SupportedVersionMajorMinor
            ? null
            : $"ngtcp2 {Version} is loaded; this binding mirrors the structs of 0.12.x only.";
    }
}
