using System.Net;
using System.Security.Cryptography;
using Tether.Quic.Connections;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>Answers to packets no connection takes: Retry, a refusal (CONNECTION_CLOSE), a stateless reset.</summary>
internal sealed partial class QuicEndpoint
{
    private unsafe void SendRetry(ngtcp2_pkt_hd* header, SocketAddress from, byte* fromNative)
    {
        ngtcp2_cid retrySource;
        ConnectionId.NewRandom(&retrySource);
        byte* token = stackalloc byte[256];
        byte* packet = stackalloc byte[1200];
        fixed (byte* secret = _retrySecret)
        {
            nint tokenLength = Ngtcp2Crypto.generate_retry_token(token, secret, SecretLength, header->version, fromNative, (uint)from.Size,
                &retrySource, &header->dcid, QuicClock.Now);
            if (tokenLength <= 0)
            {
                return;
            }

            nint written = Ngtcp2Crypto.write_retry(packet, 1200, header->version, &header->scid, &retrySource, &header->dcid, token, (nuint)tokenLength);
            if (written > 0)
            {
                RetriesSent++;
                Send(packet, (int)written, from);
            }
        }
    }

    private unsafe void SendConnectionClose(ngtcp2_pkt_hd* header, ulong error, SocketAddress to, string reason)
    {
        byte* packet = stackalloc byte[1200];
        byte* text = stackalloc byte[256];
        int length = System.Text.Encoding.UTF8.GetBytes(reason, new Span<byte>(text, 256));
        nint written = Ngtcp2Crypto.write_connection_close(packet, 1200, header->version, &header->scid, &header->dcid, error, text, (nuint)length);
        if (written > 0)
        {
            Send(packet, (int)written, to);
        }
    }

    /// <summary>
    /// A short-header packet for a connection this endpoint does not know (closed, aborted, or from before a
    /// restart of this listener): tell the peer with a stateless reset so it stops at once instead of timing out.
    /// </summary>
    private unsafe void SendStatelessReset(ngtcp2_version_cid* ids, int triggerLength, SocketAddress to)
    {
        // RFC 9000 §10.3: smaller than the trigger (no reset loops), at least 21 bytes, and rate-limited.
        const int MinimumLength = 41;
        if (triggerLength <= MinimumLength || ids->dcidlen != ConnectionId.IssuedLength)
        {
            return;
        }

        long window = Environment.TickCount64 / 1000;
        if (window != _resetWindow)
        {
            _resetWindow = window;
            _resetsInWindow = 0;
        }

        if (++_resetsInWindow > MaxStatelessResetsPerSecond)
        {
            return;
        }

        ngtcp2_cid cid;
        Ngtcp2.cid_init(&cid, ids->dcid, ids->dcidlen);
        byte* token = stackalloc byte[Ngtcp2.StatelessResetTokenLength];
        WriteStatelessResetToken(&cid, token);
        int randomLength = Math.Min(triggerLength - 1 - Ngtcp2.StatelessResetTokenLength - 1, 40);
        byte* random = stackalloc byte[randomLength];
        RandomNumberGenerator.Fill(new Span<byte>(random, randomLength));
        byte* packet = stackalloc byte[128];
        nint written = Ngtcp2.pkt_write_stateless_reset(packet, 128, token, random, (nuint)randomLength);
        if (written > 0)
        {
            StatelessResetsSent++;
            Send(packet, (int)written, to);
        }
    }
}
