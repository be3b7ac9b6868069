using System.Buffers;
using System.Security.Claims;
using Tether.Framing;
using Tether.Sessions.Durable;

namespace Tether.Connections;

/// <summary>
/// A session kept in the durable session journal (docs/durability.md): attached to its journal when it starts, or
/// rebuilt from it after the server process was killed, in <see cref="SessionState.Resuming"/> with the frames its
/// client never acknowledged, so the client resumes it as if only its link had dropped.
/// </summary>
internal sealed partial class TetherConnection
{
    private DurableSession? _durable;
    private IReadOnlyList<KeyValuePair<ulong, uint>> _interruptedStreams = [];

    /// <summary>Whether calls may take streams of their own: not on a durable session, whose journal logs one sequence.</summary>
    private bool LanesAllowed => Contract is not { Durable: true };

    /// <summary>The journal side of a durable session, or null.</summary>
    public DurableSession? Durable => _durable;

    /// <summary>SHA-256 of the client certificate the session was opened with (kept across a restart, unlike the certificate).</summary>
    public string? PeerCertificateHash => _peerCertificateHash ??= PeerCertificate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

    private string? _peerCertificateHash;

    /// <summary>Server: a session rebuilt from the journal, waiting (for up to the resume window) for its client to resume it.</summary>
    public TetherConnection(ConnectionSettings settings, RecoveredSession recovered, SessionJournal journal)
        : this(settings, new FrameOutput(settings.MaxFrameSize, settings.SendQueueLimit))
    {
        JournaledTicket ticket = recovered.Ticket;
        Contract = ticket.Contract;
        _lastTransportName = ticket.Transport;
        _peerCertificateHash = ticket.CertificateHash is { } hash ? Convert.ToHexString(hash) : null;
        if (ticket.Subject is { Length: > 0 } subject)
        {
            // The principal is authenticated again when the client resumes; until then it is known by its subject.
            var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, subject)], "restored"));
            _identity = new Security.SessionIdentity(principal, null, long.MaxValue, settings.Handlers.MethodCount);
        }

        Output.EnableSequencing(settings.MemoryPool, settings.ReplayBufferBytes, settings.ReplayBufferFrames);
        Output.Restore(recovered.Acknowledged, recovered.Frames);
        _inbound.Restore(recovered.Watermark);
        _sequencedIn = true;
        _interruptedStreams = [.. recovered.StreamsStarted];
        AttachDurable(journal.Attach(ticket.Ticket.SessionId, this, recovered));
        _durable!.RestoreStreams(_interruptedStreams);
        _handshake.TrySetResult(); // it completed in the process that started the session
        Machine.Restore(SessionState.Resuming);
        _resumingSince = settings.TimeProvider.GetTimestamp();
    }

    /// <summary>Server: binds the handlers of a restored session (its <see cref="Peer"/> is created for it).</summary>
    public void StartRestored(TetherPeer peer)
    {
        Peer = peer;
        Incoming.Bind(peer);
    }

    private bool _keptForNextServer;

    /// <summary>
    /// Server, a stop that keeps durable sessions: this engine ends, the session does not (it is in the journal for the
    /// next server), so nothing it holds is reported lost.
    /// </summary>
    public Task CloseKeepingSessionAsync()
    {
        Volatile.Write(ref _keptForNextServer, true);
        return CloseAsync(new TetherException(TetherErrorCode.ConnectionClosed, "The server stopped; the session continues on the next one."));
    }

    /// <summary>Logs this session's frames to <paramref name="durable"/> from now on.</summary>
    public void AttachDurable(DurableSession durable)
    {
        _durable = durable;
        Output.AttachJournal(durable);
        Output.JournalFailed += OnJournalFailed;
    }

    /// <summary>The journal could not write: the session cannot keep its promise; it ends with a typed error rather than lose silently.</summary>
    private void OnJournalFailed(Exception error)
    {
        var failed = new TetherException(TetherErrorCode.StoreUnavailable,
            $"The session journal could not write, so the session cannot be kept: {error.Message}", error);
        ConnectionLog.ProtocolViolation(Logger, Id, failed.Code, failed.Message);
        _closeReason ??= failed;
        _durable = null;
        TryWriteError(FrameType.GoAway, failed.Code, failed.Message); // the client fails what it sent by name, and starts afresh
        RequestStop(failed);
    }

    /// <summary>A request or one-way message on a durable session: tracked until handled, skipped if a restarted server had handled it.</summary>
    private ValueTask OnDurableIncoming(DurableSession durable, in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        ulong sequence = _inbound.Received;
        if (!durable.OnIncoming(sequence, header))
        {
            return default; // handled before the restart; its answer is among the frames replayed
        }

        ValueTask dispatched = Incoming.OnIncomingCall(header, payload, expectsReply: header.Type == FrameType.Request);
        if (dispatched.IsCompletedSuccessfully)
        {
            durable.Settle(sequence);
            return default;
        }

        return SettleAfterAsync(durable, dispatched, sequence);
    }

    private static async ValueTask SettleAfterAsync(DurableSession durable, ValueTask dispatched, ulong sequence)
    {
        try
        {
            await dispatched.ConfigureAwait(false);
        }
        finally
        {
            durable.Settle(sequence);
        }
    }

    /// <summary>
    /// Server, a durable session resuming: tells the client it has only what is handled and logged, so the client sends
    /// the rest again (it kept it: never acknowledged); what arrives again up to what was received is skipped.
    /// </summary>
    private void RewindToHandled(DurableSession durable)
    {
        ulong received = _inbound.Received;
        ulong handled = Output.LogWatermark(durable);
        _durableSkipThrough = Math.Max(_durableSkipThrough, received);
        _inbound.Rewind(handled);
    }

    /// <summary>Frames up to here arrived before a resume and are arriving again: they were handled (or are being) already.</summary>
    private ulong _durableSkipThrough;

    /// <summary>Server, after a restored session resumed: ends the streams the restart interrupted, with what they had delivered kept.</summary>
    private void EndInterruptedStreams()
    {
        IReadOnlyList<KeyValuePair<ulong, uint>> streams = Interlocked.Exchange(ref _interruptedStreams, []);
        foreach ((_, uint callId) in streams)
        {
            TryWrite(FrameType.Error, callId, (int)TetherErrorCode.NotDelivered, "The server restarted while this stream call ran, and did not run it again: the items before this error were delivered, the rest were not produced or not handled."u8);
        }
    }
}
