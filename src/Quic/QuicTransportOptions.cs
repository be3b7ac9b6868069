namespace Tether.Quic;

/// <summary>Settings of the QUIC transport (ngtcp2). TLS settings live in <see cref="Tether.Transport.Tls.TetherTlsOptions"/>.</summary>
public sealed class QuicTransportOptions
{
    /// <summary>A connection with no traffic for this long is closed (both sides advertise it; the smaller wins).</summary>
    /// <remarks>
    /// Defaults to 30 seconds. Tether's heartbeats (every 15 s by default) keep a live session inside it; set it below
    /// the heartbeat interval and a quiet session loses its link (and, when resumable, resumes). It also bounds a
    /// connect: the handshake gives up after this long without an answer, even when the TLS handshake timeout is longer.
    /// </remarks>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The round-trip time assumed before the first sample.</summary>
    /// <remarks>Defaults to 10 ms. ngtcp2 paces the handshake with it: RFC 9002's 333 ms delayed a loopback handshake
    /// by ~20 ms in the feasibility probe; a WAN deployment may raise it.</remarks>
    public TimeSpan InitialRtt { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Largest UDP payload sent. Above 1452 path-MTU discovery is switched off and the size is used as is.</summary>
    /// <remarks>Defaults to 1452 (safe on Ethernet paths). Loopback can carry up to 65507 over IPv4 (65487 over IPv6);
    /// a datagram the path refuses ends the connection with a message naming this setting.</remarks>
    public int MaxUdpPayloadSize { get; set; } = 1452;

    /// <summary>Bytes a peer may send on one stream (the link's, or a call's) before this side reads them (per-stream flow control).</summary>
    /// <remarks>Defaults to 1 MiB; ngtcp2 grows it up to <see cref="MaxStreamReceiveWindow"/> when the reader keeps up.</remarks>
    public int StreamReceiveWindow { get; set; } = 1024 * 1024;

    /// <summary>Upper bound of the auto-tuned per-stream receive window.</summary>
    /// <remarks>Defaults to 16 MiB.</remarks>
    public int MaxStreamReceiveWindow { get; set; } = 16 * 1024 * 1024;

    /// <summary>Bytes a peer may send on all streams together before this side reads them (connection flow control).</summary>
    /// <remarks>
    /// Defaults to 16 MiB. A call whose reader stalls holds at most its stream window of it; the other calls keep
    /// flowing while the stalled ones hold less than this.
    /// </remarks>
    public int ConnectionReceiveWindow { get; set; } = 16 * 1024 * 1024;

    /// <summary>Calls in flight that each get a QUIC stream of their own, per direction (the peer may open this many at once).</summary>
    /// <remarks>
    /// Defaults to 1,000 (the default in-flight call limit of a session). Past it, calls travel on the link's stream
    /// until streams free up (nothing waits). 0 puts every call on the link's stream.
    /// </remarks>
    public int MaxCallStreams { get; set; } = 1000;

    /// <summary>Server: connections (including handshakes in progress) one listener holds at once; further clients
    /// are refused with CONNECTION_REFUSED.</summary>
    /// <remarks>Defaults to 10,000.</remarks>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Server: answers a client's first Initial with a Retry so only clients that can receive at their
    /// claimed address get a connection (address validation, RFC 9000 §8.1). Costs one round trip per handshake.</summary>
    /// <remarks>Defaults to false.</remarks>
    public bool ValidateAddresses { get; set; }

    /// <summary>How long a Retry token stays valid.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan RetryTokenLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful close waits for the peer to acknowledge data already sent.</summary>
    /// <remarks>Defaults to 5 seconds.</remarks>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Size of the UDP socket's kernel buffers (both directions).</summary>
    /// <remarks>Defaults to 4 MiB; the kernel may cap it (net.core.rmem_max).</remarks>
    public int SocketBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Whether to batch datagrams in the kernel: a run of packets leaves in one send (Linux GSO,
    /// <c>UDP_SEGMENT</c>) and a sender's datagrams arrive in one receive (GRO, <c>UDP_GRO</c>).</summary>
    /// <remarks>
    /// Defaults to true; the socket falls back to one datagram per call by itself where the kernel refuses. Turn it
    /// off only for a network device known to mishandle UDP segmentation offload.
    /// </remarks>
    public bool SegmentationOffload { get; set; } = true;

    /// <summary>Throws when a value cannot work.</summary>
    /// <exception cref="InvalidOperationException">The first problem found.</exception>
    public void Validate()
    {
        foreach (string problem in Problems())
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Every reason the options cannot work (none when they can).</summary>
    internal IEnumerable<string> Problems()
    {
        if (IdleTimeout <= TimeSpan.Zero)
        {
            yield return $"{nameof(IdleTimeout)} must be positive.";
        }

        if (InitialRtt <= TimeSpan.Zero || InitialRtt > TimeSpan.FromSeconds(10))
        {
            yield return $"{nameof(InitialRtt)} must be between 0 and 10 seconds.";
        }

        if (MaxUdpPayloadSize is < 1200 or > 65507)
        {
            yield return $"{nameof(MaxUdpPayloadSize)} must be between 1200 and 65507 (QUIC's minimum and UDP's maximum over IPv4).";
        }

        if (StreamReceiveWindow < 16 * 1024 || MaxStreamReceiveWindow < StreamReceiveWindow)
        {
            yield return $"{nameof(StreamReceiveWindow)} must be at least 16 KiB and at most {nameof(MaxStreamReceiveWindow)}.";
        }

        if (ConnectionReceiveWindow < StreamReceiveWindow)
        {
            yield return $"{nameof(ConnectionReceiveWindow)} must be at least {nameof(StreamReceiveWindow)}.";
        }

        if (MaxCallStreams is < 0 or > 100_000)
        {
            yield return $"{nameof(MaxCallStreams)} must be between 0 and 100,000.";
        }

        if (MaxConnections <= 0)
        {
            yield return $"{nameof(MaxConnections)} must be positive.";
        }

        if (RetryTokenLifetime <= TimeSpan.Zero || CloseTimeout < TimeSpan.Zero)
        {
            yield return $"{nameof(RetryTokenLifetime)} must be positive and {nameof(CloseTimeout)} not negative.";
        }

        if (SocketBufferSize < 64 * 1024)
        {
            yield return $"{nameof(SocketBufferSize)} must be at least 64 KiB.";
        }
    }
}
