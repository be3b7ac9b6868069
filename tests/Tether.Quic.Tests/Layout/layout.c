/* sizeof, alignof and offsetof of every struct Tether.Quic binds, in the format LayoutTests reads:
   "type size=N align=N" and "type.field @N". Built and run by the test against the installed headers. */
#include <stdio.h>
#include <stddef.h>
#include <stdalign.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <gnutls/gnutls.h>

typedef struct sockaddr_in sockaddr_in;
typedef struct sockaddr_in6 sockaddr_in6;
typedef struct iovec iovec;
typedef struct msghdr msghdr;
typedef struct cmsghdr cmsghdr;

#define SIZE(T) printf("%s size=%zu align=%zu\n", #T, sizeof(T), alignof(T))
#define FIELD(T, f) printf("%s.%s @%zu\n", #T, #f, offsetof(T, f))

int main(void) {
  printf("version %s\n", ngtcp2_version(0)->version_str);
  SIZE(ngtcp2_cid);
  FIELD(ngtcp2_cid, datalen); FIELD(ngtcp2_cid, data);
  SIZE(ngtcp2_vec);
  FIELD(ngtcp2_vec, base); FIELD(ngtcp2_vec, len);
  SIZE(ngtcp2_pkt_info);
  FIELD(ngtcp2_pkt_info, ecn);
  SIZE(ngtcp2_addr);
  FIELD(ngtcp2_addr, addr); FIELD(ngtcp2_addr, addrlen);
  SIZE(ngtcp2_path);
  FIELD(ngtcp2_path, local); FIELD(ngtcp2_path, remote); FIELD(ngtcp2_path, user_data);
  SIZE(ngtcp2_path_storage);
  FIELD(ngtcp2_path_storage, path); FIELD(ngtcp2_path_storage, local_addrbuf); FIELD(ngtcp2_path_storage, remote_addrbuf);
  SIZE(ngtcp2_preferred_addr);
  FIELD(ngtcp2_preferred_addr, cid); FIELD(ngtcp2_preferred_addr, ipv4); FIELD(ngtcp2_preferred_addr, ipv6);
  FIELD(ngtcp2_preferred_addr, ipv4_present); FIELD(ngtcp2_preferred_addr, ipv6_present); FIELD(ngtcp2_preferred_addr, stateless_reset_token);
  SIZE(ngtcp2_version_info);
  FIELD(ngtcp2_version_info, chosen_version); FIELD(ngtcp2_version_info, other_versions); FIELD(ngtcp2_version_info, other_versionslen);
  SIZE(ngtcp2_transport_params);
  FIELD(ngtcp2_transport_params, preferred_address); FIELD(ngtcp2_transport_params, original_dcid); FIELD(ngtcp2_transport_params, initial_scid);
  FIELD(ngtcp2_transport_params, retry_scid); FIELD(ngtcp2_transport_params, initial_max_stream_data_bidi_local); FIELD(ngtcp2_transport_params, initial_max_stream_data_bidi_remote);
  FIELD(ngtcp2_transport_params, initial_max_stream_data_uni); FIELD(ngtcp2_transport_params, initial_max_data); FIELD(ngtcp2_transport_params, initial_max_streams_bidi);
  FIELD(ngtcp2_transport_params, initial_max_streams_uni); FIELD(ngtcp2_transport_params, max_idle_timeout); FIELD(ngtcp2_transport_params, max_udp_payload_size);
  FIELD(ngtcp2_transport_params, active_connection_id_limit); FIELD(ngtcp2_transport_params, ack_delay_exponent); FIELD(ngtcp2_transport_params, max_ack_delay);
  FIELD(ngtcp2_transport_params, max_datagram_frame_size); FIELD(ngtcp2_transport_params, stateless_reset_token_present); FIELD(ngtcp2_transport_params, disable_active_migration);
  FIELD(ngtcp2_transport_params, retry_scid_present); FIELD(ngtcp2_transport_params, preferred_address_present); FIELD(ngtcp2_transport_params, stateless_reset_token);
  FIELD(ngtcp2_transport_params, grease_quic_bit); FIELD(ngtcp2_transport_params, version_info); FIELD(ngtcp2_transport_params, version_info_present);
  SIZE(ngtcp2_qlog_settings);
  FIELD(ngtcp2_qlog_settings, odcid); FIELD(ngtcp2_qlog_settings, write);
  SIZE(ngtcp2_rand_ctx);
  FIELD(ngtcp2_rand_ctx, native_handle);
  SIZE(ngtcp2_settings);
  FIELD(ngtcp2_settings, qlog); FIELD(ngtcp2_settings, cc_algo); FIELD(ngtcp2_settings, initial_ts);
  FIELD(ngtcp2_settings, initial_rtt); FIELD(ngtcp2_settings, log_printf); FIELD(ngtcp2_settings, max_tx_udp_payload_size);
  FIELD(ngtcp2_settings, token); FIELD(ngtcp2_settings, rand_ctx); FIELD(ngtcp2_settings, max_window);
  FIELD(ngtcp2_settings, max_stream_window); FIELD(ngtcp2_settings, ack_thresh); FIELD(ngtcp2_settings, no_tx_udp_payload_size_shaping);
  FIELD(ngtcp2_settings, handshake_timeout); FIELD(ngtcp2_settings, preferred_versions); FIELD(ngtcp2_settings, preferred_versionslen);
  FIELD(ngtcp2_settings, other_versions); FIELD(ngtcp2_settings, other_versionslen); FIELD(ngtcp2_settings, original_version);
  FIELD(ngtcp2_settings, no_pmtud);
  SIZE(ngtcp2_callbacks);
  FIELD(ngtcp2_callbacks, client_initial); FIELD(ngtcp2_callbacks, recv_client_initial); FIELD(ngtcp2_callbacks, recv_crypto_data);
  FIELD(ngtcp2_callbacks, handshake_completed); FIELD(ngtcp2_callbacks, recv_version_negotiation); FIELD(ngtcp2_callbacks, encrypt);
  FIELD(ngtcp2_callbacks, decrypt); FIELD(ngtcp2_callbacks, hp_mask); FIELD(ngtcp2_callbacks, recv_stream_data);
  FIELD(ngtcp2_callbacks, acked_stream_data_offset); FIELD(ngtcp2_callbacks, stream_open); FIELD(ngtcp2_callbacks, stream_close);
  FIELD(ngtcp2_callbacks, recv_stateless_reset); FIELD(ngtcp2_callbacks, recv_retry); FIELD(ngtcp2_callbacks, extend_max_local_streams_bidi);
  FIELD(ngtcp2_callbacks, extend_max_local_streams_uni); FIELD(ngtcp2_callbacks, rand); FIELD(ngtcp2_callbacks, get_new_connection_id);
  FIELD(ngtcp2_callbacks, remove_connection_id); FIELD(ngtcp2_callbacks, update_key); FIELD(ngtcp2_callbacks, path_validation);
  FIELD(ngtcp2_callbacks, select_preferred_addr); FIELD(ngtcp2_callbacks, stream_reset); FIELD(ngtcp2_callbacks, extend_max_remote_streams_bidi);
  FIELD(ngtcp2_callbacks, extend_max_remote_streams_uni); FIELD(ngtcp2_callbacks, extend_max_stream_data); FIELD(ngtcp2_callbacks, dcid_status);
  FIELD(ngtcp2_callbacks, handshake_confirmed); FIELD(ngtcp2_callbacks, recv_new_token); FIELD(ngtcp2_callbacks, delete_crypto_aead_ctx);
  FIELD(ngtcp2_callbacks, delete_crypto_cipher_ctx); FIELD(ngtcp2_callbacks, recv_datagram); FIELD(ngtcp2_callbacks, ack_datagram);
  FIELD(ngtcp2_callbacks, lost_datagram); FIELD(ngtcp2_callbacks, get_path_challenge_data); FIELD(ngtcp2_callbacks, stream_stop_sending);
  FIELD(ngtcp2_callbacks, version_negotiation); FIELD(ngtcp2_callbacks, recv_rx_key); FIELD(ngtcp2_callbacks, recv_tx_key);
  FIELD(ngtcp2_callbacks, early_data_rejected);
  SIZE(ngtcp2_pkt_hd);
  FIELD(ngtcp2_pkt_hd, dcid); FIELD(ngtcp2_pkt_hd, scid); FIELD(ngtcp2_pkt_hd, pkt_num);
  FIELD(ngtcp2_pkt_hd, token); FIELD(ngtcp2_pkt_hd, pkt_numlen); FIELD(ngtcp2_pkt_hd, len);
  FIELD(ngtcp2_pkt_hd, version); FIELD(ngtcp2_pkt_hd, type); FIELD(ngtcp2_pkt_hd, flags);
  SIZE(ngtcp2_version_cid);
  FIELD(ngtcp2_version_cid, version); FIELD(ngtcp2_version_cid, dcid); FIELD(ngtcp2_version_cid, dcidlen);
  FIELD(ngtcp2_version_cid, scid); FIELD(ngtcp2_version_cid, scidlen);
  SIZE(ngtcp2_connection_close_error);
  FIELD(ngtcp2_connection_close_error, type); FIELD(ngtcp2_connection_close_error, error_code); FIELD(ngtcp2_connection_close_error, frame_type);
  FIELD(ngtcp2_connection_close_error, reason); FIELD(ngtcp2_connection_close_error, reasonlen);
  SIZE(ngtcp2_crypto_conn_ref);
  FIELD(ngtcp2_crypto_conn_ref, get_conn); FIELD(ngtcp2_crypto_conn_ref, user_data);
  SIZE(gnutls_datum_t);
  FIELD(gnutls_datum_t, data); FIELD(gnutls_datum_t, size);
  SIZE(ngtcp2_conn_stat);
  FIELD(ngtcp2_conn_stat, latest_rtt); FIELD(ngtcp2_conn_stat, min_rtt); FIELD(ngtcp2_conn_stat, smoothed_rtt);
  FIELD(ngtcp2_conn_stat, rttvar); FIELD(ngtcp2_conn_stat, initial_rtt); FIELD(ngtcp2_conn_stat, first_rtt_sample_ts);
  FIELD(ngtcp2_conn_stat, pto_count); FIELD(ngtcp2_conn_stat, loss_detection_timer); FIELD(ngtcp2_conn_stat, last_tx_pkt_ts);
  FIELD(ngtcp2_conn_stat, loss_time); FIELD(ngtcp2_conn_stat, cwnd); FIELD(ngtcp2_conn_stat, ssthresh);
  FIELD(ngtcp2_conn_stat, congestion_recovery_start_ts); FIELD(ngtcp2_conn_stat, bytes_in_flight); FIELD(ngtcp2_conn_stat, max_tx_udp_payload_size);
  FIELD(ngtcp2_conn_stat, delivery_rate_sec); FIELD(ngtcp2_conn_stat, pacing_rate); FIELD(ngtcp2_conn_stat, send_quantum);
  SIZE(ngtcp2_info);
  FIELD(ngtcp2_info, age); FIELD(ngtcp2_info, version_num); FIELD(ngtcp2_info, version_str);
  SIZE(sockaddr_in);
  FIELD(sockaddr_in, sin_family); FIELD(sockaddr_in, sin_port); FIELD(sockaddr_in, sin_addr);
  FIELD(sockaddr_in, sin_zero);
  SIZE(sockaddr_in6);
  FIELD(sockaddr_in6, sin6_family); FIELD(sockaddr_in6, sin6_port); FIELD(sockaddr_in6, sin6_flowinfo);
  FIELD(sockaddr_in6, sin6_addr); FIELD(sockaddr_in6, sin6_scope_id);
  SIZE(iovec);
  FIELD(iovec, iov_base); FIELD(iovec, iov_len);
  SIZE(msghdr);
  FIELD(msghdr, msg_name); FIELD(msghdr, msg_namelen); FIELD(msghdr, msg_iov); FIELD(msghdr, msg_iovlen);
  FIELD(msghdr, msg_control); FIELD(msghdr, msg_controllen); FIELD(msghdr, msg_flags);
  SIZE(cmsghdr);
  FIELD(cmsghdr, cmsg_len); FIELD(cmsghdr, cmsg_level); FIELD(cmsghdr, cmsg_type);
  return 0;
}
