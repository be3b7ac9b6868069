using System.Runtime.InteropServices;

#pragma warning disable IDE1006, CA1707 // C names on purpose

namespace Tether.Quic.Interop;

/// <summary>
/// libngtcp2_crypto_gnutls.so.2: wires a GnuTLS session into a connection, and exports ready-made native callbacks
/// that go straight into <see cref="ngtcp2_callbacks"/> (no managed hop for encryption, decryption or keys).
/// </summary>
internal static unsafe partial class Ngtcp2Crypto
{
    public const string Library = "libngtcp2_crypto_gnutls.so.2";

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_gnutls_configure_client_session")]
    public static partial int configure_client_session(void* session);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_gnutls_configure_server_session")]
    public static partial int configure_server_session(void* session);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_generate_stateless_reset_token")]
    public static partial int generate_stateless_reset_token(byte* token, byte* secret, nuint secretlen, ngtcp2_cid* cid);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_generate_retry_token")]
    public static partial nint generate_retry_token(byte* token, byte* secret, nuint secretlen, uint version, void* remote_addr, uint remote_addrlen,
        ngtcp2_cid* retry_scid, ngtcp2_cid* odcid, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_verify_retry_token")]
    public static partial int verify_retry_token(ngtcp2_cid* odcid, byte* token, nuint tokenlen, byte* secret, nuint secretlen, uint version,
        void* remote_addr, uint remote_addrlen, ngtcp2_cid* dcid, ulong timeout, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_write_retry")]
    public static partial nint write_retry(byte* dest, nuint destlen, uint version, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_cid* odcid,
        byte* token, nuint tokenlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_crypto_write_connection_close")]
    public static partial nint write_connection_close(byte* dest, nuint destlen, uint version, ngtcp2_cid* dcid, ngtcp2_cid* scid, ulong error_code,
        byte* reason, nuint reasonlen);

    /// <summary>Native callbacks exported by the helper, by their C names.</summary>
    public static void* Export(string name) => (void*)NativeLibrary.GetExport(s_handle.Value, name);

    private static readonly Lazy<nint> s_handle = new(static () => NativeLibrary.Load(Library));
}
