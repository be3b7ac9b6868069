using System.Runtime.InteropServices;

#pragma warning disable IDE1006, CA1707 // C names on purpose

namespace Tether.Quic.Interop;

/// <summary>The GnuTLS calls the QUIC transport needs (libgnutls.so.30, GnuTLS 3.7).</summary>
internal static unsafe partial class GnuTls
{
    public const string Library = "libgnutls.so.30";

    public const uint Server = 1;
    public const uint Client = 1u << 1;
    public const uint NoEndOfEarlyData = 1u << 22;

    public const int CredentialsCertificate = 1;
    public const int X509FormatDer = 0;
    public const int X509FormatPem = 1;
    public const int ErrorCertificateError = -43;
    public const int NameDns = 1;
    public const uint AlpnMandatory = 1;
    public const uint AlpnServerPrecedence = 1u << 1;

    public const int CertificateRequest = 1;
    public const int CertificateRequire = 2;

    [LibraryImport(Library, EntryPoint = "gnutls_init")]
    public static partial int init(void** session, uint flags);

    [LibraryImport(Library, EntryPoint = "gnutls_deinit")]
    public static partial void deinit(void* session);

    [LibraryImport(Library, EntryPoint = "gnutls_priority_set_direct")]
    public static partial int priority_set_direct(void* session, byte* priorities, byte** err_pos);

    [LibraryImport(Library, EntryPoint = "gnutls_certificate_allocate_credentials")]
    public static partial int certificate_allocate_credentials(void** res);

    [LibraryImport(Library, EntryPoint = "gnutls_certificate_free_credentials")]
    public static partial void certificate_free_credentials(void* sc);

    [LibraryImport(Library, EntryPoint = "gnutls_certificate_set_x509_key_mem2")]
    public static partial int certificate_set_x509_key_mem2(void* res, gnutls_datum_t* cert, gnutls_datum_t* key, int type, byte* pass, uint flags);

    [LibraryImport(Library, EntryPoint = "gnutls_credentials_set")]
    public static partial int credentials_set(void* session, int type, void* cred);

    [LibraryImport(Library, EntryPoint = "gnutls_certificate_server_set_request")]
    public static partial void certificate_server_set_request(void* session, int req);

    [LibraryImport(Library, EntryPoint = "gnutls_session_set_ptr")]
    public static partial void session_set_ptr(void* session, void* ptr);

    [LibraryImport(Library, EntryPoint = "gnutls_session_get_ptr")]
    public static partial void* session_get_ptr(void* session);

    [LibraryImport(Library, EntryPoint = "gnutls_alpn_set_protocols")]
    public static partial int alpn_set_protocols(void* session, gnutls_datum_t* protocols, uint protocols_size, uint flags);

    [LibraryImport(Library, EntryPoint = "gnutls_alpn_get_selected_protocol")]
    public static partial int alpn_get_selected_protocol(void* session, gnutls_datum_t* protocol);

    [LibraryImport(Library, EntryPoint = "gnutls_server_name_set")]
    public static partial int server_name_set(void* session, int type, byte* name, nuint name_length);

    [LibraryImport(Library, EntryPoint = "gnutls_certificate_get_peers")]
    public static partial gnutls_datum_t* certificate_get_peers(void* session, uint* list_size);

    [LibraryImport(Library, EntryPoint = "gnutls_session_set_verify_function")]
    public static partial void session_set_verify_function(void* session, void* func);

    [LibraryImport(Library, EntryPoint = "gnutls_strerror")]
    public static partial byte* strerror(int error);

    /// <summary>The library's text for an error code.</summary>
    public static string ErrorText(int error) => Marshal.PtrToStringUTF8((nint)strerror(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
