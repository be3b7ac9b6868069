using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Tether.Quic.Endpoints;
using Tether.Quic.Interop;
using Tether.Quic.Tls;
using Tether.Transport.Tls;

namespace Tether.Quic.Connections;

/// <summary>
/// The callbacks ngtcp2 and GnuTLS call while this connection is inside a native call (so <see cref="_lock"/> is held).
/// Every one catches everything: an exception must never unwind through native frames.
/// </summary>
internal sealed unsafe partial class QuicConnection
{
    /// <summary>The crypto helper's ready-made callbacks, looked up once (both sides' table; each side clears what it must not have).</summary>
    private static readonly Lazy<ngtcp2_callbacks> s_cryptoCallbacks = new(static () => new ngtcp2_callbacks
    {
        client_initial = Ngtcp2Crypto.Export("ngtcp2_crypto_client_initial_cb"),
        recv_retry = Ngtcp2Crypto.Export("ngtcp2_crypto_recv_retry_cb"),
        recv_client_initial = Ngtcp2Crypto.Export("ngtcp2_crypto_recv_client_initial_cb"),
        recv_crypto_data = Ngtcp2Crypto.Export("ngtcp2_crypto_recv_crypto_data_cb"),
        encrypt = Ngtcp2Crypto.Export("ngtcp2_crypto_encrypt_cb"),
        decrypt = Ngtcp2Crypto.Export("ngtcp2_crypto_decrypt_cb"),
        hp_mask = Ngtcp2Crypto.Export("ngtcp2_crypto_hp_mask_cb"),
        update_key = Ngtcp2Crypto.Export("ngtcp2_crypto_update_key_cb"),
        delete_crypto_aead_ctx = Ngtcp2Crypto.Export("ngtcp2_crypto_delete_crypto_aead_ctx_cb"),
        delete_crypto_cipher_ctx = Ngtcp2Crypto.Export("ngtcp2_crypto_delete_crypto_cipher_ctx_cb"),
        get_path_challenge_data = Ngtcp2Crypto.Export("ngtcp2_crypto_get_path_challenge_data_cb"),
        version_negotiation = Ngtcp2Crypto.Export("ngtcp2_crypto_version_negotiation_cb"),
    });

    private bool _statelessReset;

    private static ngtcp2_callbacks CreateCallbacks(bool server)
    {
        ngtcp2_callbacks callbacks = s_cryptoCallbacks.Value;
        if (server)
        {
            callbacks.client_initial = null;
            callbacks.recv_retry = null;
        }
        else
        {
            callbacks.recv_client_initial = null;
        }

        callbacks.rand = (delegate* unmanaged<byte*, nuint, ngtcp2_rand_ctx*, void>)&Rand;
        callbacks.get_new_connection_id = (delegate* unmanaged<void*, ngtcp2_cid*, byte*, nuint, void*, int>)&GetNewConnectionId;
        callbacks.remove_connection_id = (delegate* unmanaged<void*, ngtcp2_cid*, void*, int>)&RemoveConnectionId;
        callbacks.recv_stream_data = (delegate* unmanaged<void*, uint, long, ulong, byte*, nuint, void*, void*, int>)&ReceiveStreamData;
        callbacks.acked_stream_data_offset = (delegate* unmanaged<void*, long, ulong, ulong, void*, void*, int>)&AcknowledgedStreamData;
        callbacks.stream_open = (delegate* unmanaged<void*, long, void*, int>)&StreamOpened;
        callbacks.stream_close = (delegate* unmanaged<void*, uint, long, ulong, void*, void*, int>)&StreamClosed;
        callbacks.stream_reset = (delegate* unmanaged<void*, long, ulong, ulong, void*, void*, int>)&StreamReset;
        callbacks.extend_max_stream_data = (delegate* unmanaged<void*, long, ulong, void*, void*, int>)&ExtendedStreamData;
        callbacks.recv_stateless_reset = (delegate* unmanaged<void*, void*, void*, int>)&ReceivedStatelessReset;
        return callbacks;
    }

    private static QuicConnection FromUserData(void* userData) => (QuicConnection)GCHandle.FromIntPtr(((ConnectionAnchor*)userData)->Self).Target!;

    [UnmanagedCallersOnly]
    private static void* GetConn(ngtcp2_crypto_conn_ref* reference) => ((ConnectionAnchor*)reference)->Connection;

    [UnmanagedCallersOnly]
    private static void Rand(byte* destination, nuint length, ngtcp2_rand_ctx* context) =>
        RandomNumberGenerator.Fill(new Span<byte>(destination, (int)length));

    [UnmanagedCallersOnly]
    private static int GetNewConnectionId(void* conn, ngtcp2_cid* cid, byte* token, nuint length, void* userData)
    {
        try
        {
            QuicConnection connection = FromUserData(userData);
            RandomNumberGenerator.Fill(new Span<byte>(cid->data, (int)length));
            cid->datalen = length;
            connection._endpoint.WriteStatelessResetToken(cid, token);
            connection.RouteLocked(ConnectionId.From(cid));
            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int RemoveConnectionId(void* conn, ngtcp2_cid* cid, void* userData)
    {
        try
        {
            QuicConnection connection = FromUserData(userData);
            var id = ConnectionId.From(cid);
            if (connection._routes.Remove(id))
            {
                connection._endpoint.Unroute(id, connection);
            }

            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int ReceiveStreamData(void* conn, uint flags, long streamId, ulong offset, byte* data, nuint length, void* userData, void* streamData)
    {
        try
        {
            return FromUserData(userData).OnStreamData(flags, streamId, data, (int)length);
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int AcknowledgedStreamData(void* conn, long streamId, ulong offset, ulong length, void* userData, void* streamData)
    {
        try
        {
            if (FromUserData(userData)._streams.TryGetValue(streamId, out QuicStream? stream))
            {
                stream.OnAcknowledged((long)(offset + length));
            }

            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int StreamOpened(void* conn, long streamId, void* userData)
    {
        try
        {
            FromUserData(userData).OnStreamOpenedLocked(streamId);
            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int StreamClosed(void* conn, uint flags, long streamId, ulong applicationError, void* userData, void* streamData)
    {
        try
        {
            FromUserData(userData).OnStreamClosedLocked(streamId, applicationError);

            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int StreamReset(void* conn, long streamId, ulong finalSize, ulong applicationError, void* userData, void* streamData)
    {
        try
        {
            if (FromUserData(userData)._streams.TryGetValue(streamId, out QuicStream? stream))
            {
                stream.OnReset(applicationError);
            }

            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int ExtendedStreamData(void* conn, long streamId, ulong maxData, void* userData, void* streamData)
    {
        try
        {
            QuicConnection connection = FromUserData(userData);
            if (connection._streams.TryGetValue(streamId, out QuicStream? stream))
            {
                connection.QueueLocked(stream); // the stream may send more now
            }

            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    [UnmanagedCallersOnly]
    private static int ReceivedStatelessReset(void* conn, void* reset, void* userData)
    {
        try
        {
            FromUserData(userData)._statelessReset = true;
            return 0;
        }
        catch
        {
            return Ngtcp2.ErrCallbackFailure;
        }
    }

    /// <summary>GnuTLS asks whether the peer's certificate is acceptable: the same checks as TLS over TCP.</summary>
    [UnmanagedCallersOnly]
    private static int VerifyPeer(void* session)
    {
        try
        {
            var anchor = (ConnectionAnchor*)GnuTls.session_get_ptr(session);
            var connection = (QuicConnection)GCHandle.FromIntPtr(anchor->Self).Target!;
            return connection.OnVerifyPeer(session);
        }
        catch
        {
            return GnuTls.ErrorCertificateError;
        }
    }

    private int OnVerifyPeer(void* session)
    {
        var (leaf, intermediates) = QuicTlsContext.PeerCertificates(session);
        TetherException? verdict = IsServer
            ? CertificateValidation.ValidateClient(leaf, intermediates, _tls.Options)
            : CertificateValidation.ValidateServer(leaf, intermediates, _tls.Options, _host ?? "");
        if (intermediates is not null)
        {
            foreach (var intermediate in intermediates)
            {
                intermediate.Dispose();
            }
        }

        if (verdict is not null)
        {
            leaf?.Dispose();
            _verifyFailure = verdict;
            return GnuTls.ErrorCertificateError;
        }

        _peerCertificate = leaf;
        return 0;
    }
}
