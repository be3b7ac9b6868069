using System.Runtime.InteropServices;

#pragma warning disable IDE1006, CA1707 // C names on purpose

namespace Tether.Quic.Interop;

/// <summary>
/// Entry points of libngtcp2.so.9 (0.12.1). Many public names are macros over <c>_versioned</c> symbols; those are
/// bound directly with the struct versions of 0.12.1. A connection is not thread-safe: every call for one connection
/// happens on that connection's event loop.
/// </summary>
internal static unsafe partial class Ngtcp2
{
    public const string Library = "libngtcp2.so.9";

    /// <summary>The only minor version whose layouts this binding mirrors (0x00MMmm00 → 0.12).</summary>
    public const int SupportedVersionMajorMinor = 0x000c00;

    public const int SettingsVersion = 1;
    public const int TransportParamsVersion = 1;
    public const int CallbacksVersion = 1;
    public const int PacketInfoVersion = 1;
    public const int ConnStatVersion = 1;
    public const uint ProtocolVersion1 = 1;

    public const int MaxCidLength = 20;
    public const int StatelessResetTokenLength = 16;

    public const int ErrInvalidArgument = -201;
    public const int ErrNoBuffer = -203;
    public const int ErrStreamDataBlocked = -210;
    public const int ErrStreamShutWrite = -221;
    public const int ErrStreamNotFound = -222;
    public const int ErrClosing = -230;
    public const int ErrDraining = -231;
    public const int ErrCrypto = -215;
    public const int ErrWriteMore = -240;
    public const int ErrRetry = -241;
    public const int ErrDropConnection = -242;
    public const int ErrDiscardPacket = -235;
    public const int ErrHandshakeTimeout = -246;
    public const int ErrIdleClose = -248;
    public const int ErrCallbackFailure = -502;

    public const uint WriteStreamFlagNone = 0;
    public const uint WriteStreamFlagMore = 1;
    public const uint WriteStreamFlagFin = 2;
    public const uint StreamDataFlagFin = 1;

    /// <summary>A CONNECTION_CLOSE transport error code for a TLS alert is this plus the alert.</summary>
    public const ulong CryptoError = 0x100;

    public const int CloseErrorTypeApplication = 1;

    public const byte PacketInitial = 0x10;

    /// <summary>ngtcp2 time is in nanoseconds.</summary>
    public const ulong Millisecond = 1_000_000UL;

    [LibraryImport(Library, EntryPoint = "ngtcp2_version")]
    public static partial ngtcp2_info* version(int least_version);

    [LibraryImport(Library, EntryPoint = "ngtcp2_strerror")]
    public static partial byte* strerror(int liberr);

    [LibraryImport(Library, EntryPoint = "ngtcp2_err_is_fatal")]
    public static partial int err_is_fatal(int liberr);

    [LibraryImport(Library, EntryPoint = "ngtcp2_settings_default_versioned")]
    public static partial void settings_default(int settings_version, ngtcp2_settings* settings);

    [LibraryImport(Library, EntryPoint = "ngtcp2_transport_params_default_versioned")]
    public static partial void transport_params_default(int transport_params_version, ngtcp2_transport_params* @params);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_client_new_versioned")]
    public static partial int conn_client_new(void** pconn, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_path* path, uint client_chosen_version,
        int callbacks_version, ngtcp2_callbacks* callbacks, int settings_version, ngtcp2_settings* settings,
        int transport_params_version, ngtcp2_transport_params* @params, void* mem, void* user_data);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_server_new_versioned")]
    public static partial int conn_server_new(void** pconn, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_path* path, uint client_chosen_version,
        int callbacks_version, ngtcp2_callbacks* callbacks, int settings_version, ngtcp2_settings* settings,
        int transport_params_version, ngtcp2_transport_params* @params, void* mem, void* user_data);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_del")]
    public static partial void conn_del(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_read_pkt_versioned")]
    public static partial int conn_read_pkt(void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* pkt, nuint pktlen, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_writev_stream_versioned")]
    public static partial nint conn_writev_stream(void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* dest, nuint destlen,
        nint* pdatalen, uint flags, long stream_id, ngtcp2_vec* datav, nuint datavcnt, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_write_connection_close_versioned")]
    public static partial nint conn_write_connection_close(void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* dest,
        nuint destlen, ngtcp2_connection_close_error* ccerr, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_connection_close_error_set_application_error")]
    public static partial void connection_close_error_set_application_error(ngtcp2_connection_close_error* ccerr, ulong error_code, byte* reason, nuint reasonlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_connection_close_error_set_transport_error_liberr")]
    public static partial void connection_close_error_set_transport_error_liberr(ngtcp2_connection_close_error* ccerr, int liberr, byte* reason, nuint reasonlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_connection_close_error_set_transport_error_tls_alert")]
    public static partial void connection_close_error_set_transport_error_tls_alert(ngtcp2_connection_close_error* ccerr, byte tls_alert, byte* reason, nuint reasonlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_update_pkt_tx_time")]
    public static partial void conn_update_pkt_tx_time(void* conn, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_send_quantum")]
    public static partial nuint conn_get_send_quantum(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_expiry")]
    public static partial ulong conn_get_expiry(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_handle_expiry")]
    public static partial int conn_handle_expiry(void* conn, ulong ts);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_open_bidi_stream")]
    public static partial int conn_open_bidi_stream(void* conn, long* pstream_id, void* stream_user_data);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_shutdown_stream")]
    public static partial int conn_shutdown_stream(void* conn, long stream_id, ulong app_error_code);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_extend_max_stream_offset")]
    public static partial int conn_extend_max_stream_offset(void* conn, long stream_id, ulong datalen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_extend_max_offset")]
    public static partial void conn_extend_max_offset(void* conn, ulong datalen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_extend_max_streams_bidi")]
    public static partial void conn_extend_max_streams_bidi(void* conn, nuint n);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_set_tls_native_handle")]
    public static partial void conn_set_tls_native_handle(void* conn, void* tls_native_handle);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_handshake_completed")]
    public static partial int conn_get_handshake_completed(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_is_in_closing_period")]
    public static partial int conn_is_in_closing_period(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_is_in_draining_period")]
    public static partial int conn_is_in_draining_period(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_conn_stat_versioned")]
    public static partial void conn_get_conn_stat(void* conn, int conn_stat_version, ngtcp2_conn_stat* cstat);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_tls_alert")]
    public static partial byte conn_get_tls_alert(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_connection_close_error")]
    public static partial void conn_get_connection_close_error(void* conn, ngtcp2_connection_close_error* ccerr);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_num_scid")]
    public static partial nuint conn_get_num_scid(void* conn);

    [LibraryImport(Library, EntryPoint = "ngtcp2_conn_get_scid")]
    public static partial nuint conn_get_scid(void* conn, ngtcp2_cid* dest);

    [LibraryImport(Library, EntryPoint = "ngtcp2_pkt_decode_version_cid")]
    public static partial int pkt_decode_version_cid(ngtcp2_version_cid* dest, byte* data, nuint datalen, nuint short_dcidlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_accept")]
    public static partial int accept(ngtcp2_pkt_hd* dest, byte* pkt, nuint pktlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_pkt_write_stateless_reset")]
    public static partial nint pkt_write_stateless_reset(byte* dest, nuint destlen, byte* stateless_reset_token, byte* rand, nuint randlen);

    [LibraryImport(Library, EntryPoint = "ngtcp2_cid_init")]
    public static partial void cid_init(ngtcp2_cid* cid, byte* data, nuint datalen);

    /// <summary>The library's text for an error code.</summary>
    public static string ErrorText(int liberr) => Marshal.PtrToStringUTF8((nint)strerror(liberr)) ?? liberr.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
