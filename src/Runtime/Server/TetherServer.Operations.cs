using System.Buffers;
using System.Collections.Concurrent;
using Tether.Framing;

namespace Tether;

public sealed partial class TetherServer
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, TetherSession>> _groups = new(StringComparer.Ordinal);

    /// <summary>Sessions connected now (including ones still in their handshake).</summary>
    public IReadOnlyCollection<TetherSession> Sessions => [.. _sessions.Values];

    /// <summary>Every session the server holds: connected, and waiting for its client to resume.</summary>
    internal IEnumerable<TetherSession> AllSessions => _sessionsById.Values;

    /// <summary>Sessions connected now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Finds a session by its <see cref="TetherSession.Id"/> (once its handshake is done; a session waiting to resume counts).</summary>
    public bool TryGetSession(Guid sessionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TetherSession? session) =>
        _sessionsById.TryGetValue(sessionId, out session);

    /// <summary>A snapshot of a session, or null if it is not connected.</summary>
    public SessionInfo? GetSessionInfo(Guid sessionId) => _sessionsById.TryGetValue(sessionId, out TetherSession? session) ? session.GetInfo() : null;

    /// <summary>Pushes a one-way message to one session, waiting while its send queue is full.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.ConnectionClosed"/> if the session is not connected.</exception>
    public ValueTask SendToAsync<T>(Guid sessionId, T message, CancellationToken cancellationToken = default)
        where T : IMessage<T>
        => _sessionsById.TryGetValue(sessionId, out TetherSession? session)
            ? session.SendAsync(message, cancellationToken)
            : ValueTask.FromException(new TetherException(TetherErrorCode.ConnectionClosed, $"No session {sessionId} is connected."));

    /// <summary>Pushes a one-way message to one session unless its send queue is full; never waits.</summary>
    public bool TrySendTo<T>(Guid sessionId, in T message)
        where T : IMessage<T>
        => _sessionsById.TryGetValue(sessionId, out TetherSession? session) && session.TrySend(in message);

    /// <summary>
    /// Pushes <paramref name="message"/> to every active session, and to every resumable session between links (kept in
    /// its replay buffer and sent once it resumes): encoded once, copied into each send queue; sessions whose send queue is
    /// full are skipped and counted.
    /// </summary>
    public BroadcastResult Broadcast<T>(in T message, Guid? exceptSessionId = null)
        where T : IMessage<T>
        => BroadcastTo(_sessions, in message, exceptSessionId);

    /// <summary>Pushes <paramref name="message"/> to every session in <paramref name="group"/>.</summary>
    public BroadcastResult BroadcastToGroup<T>(string group, in T message, Guid? exceptSessionId = null)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(group);
        return _groups.TryGetValue(group, out ConcurrentDictionary<long, TetherSession>? members)
            ? BroadcastTo(members, in message, exceptSessionId)
            : default;
    }

    /// <summary>
    /// Pushes <paramref name="messages"/>, in order, to every session <see cref="Broadcast{T}"/> reaches: encoded once, copied into each send queue as
    /// one run of frames and flushed once per session (a burst costs each session one send, not one per message).
    /// </summary>
    /// <returns>Per session: <see cref="BroadcastResult.Delivered"/> took every message; <see cref="BroadcastResult.Dropped"/> missed some or all (its send queue filled; the first messages are the ones it got).</returns>
    public BroadcastResult BroadcastBatch<T>(ReadOnlySpan<T> messages, Guid? exceptSessionId = null)
        where T : IMessage<T>
        => BroadcastBatchTo(_sessions, messages, exceptSessionId);

    /// <summary>Pushes <paramref name="messages"/>, in order, to every session in <paramref name="group"/>, as <see cref="BroadcastBatch{T}"/> does.</summary>
    public BroadcastResult BroadcastBatchToGroup<T>(string group, ReadOnlySpan<T> messages, Guid? exceptSessionId = null)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(group);
        return _groups.TryGetValue(group, out ConcurrentDictionary<long, TetherSession>? members)
            ? BroadcastBatchTo(members, messages, exceptSessionId)
            : default;
    }

    private static BroadcastResult BroadcastBatchTo<T>(ConcurrentDictionary<long, TetherSession> sessions, ReadOnlySpan<T> messages, Guid? exceptSessionId)
        where T : IMessage<T>
    {
        if (messages.IsEmpty)
        {
            return default;
        }

        // Each message is sized once: the sizes give the buffer's length and then each frame's.
        int[] lengths = ArrayPool<int>.Shared.Rent(messages.Length);
        long total = 0;
        for (int i = 0; i < messages.Length; i++)
        {
            lengths[i] = TetherCodec.GetEncodedSize(in messages[i]);
            total += FrameHeader.Size + lengths[i];
        }

        if (total > Array.MaxLength)
        {
            ArrayPool<int>.Shared.Return(lengths);
            throw new TetherException(TetherErrorCode.MessageTooLarge, $"A broadcast batch of {total:N0} bytes is too large to encode at once; send it in parts.");
        }

        byte[] frames = ArrayPool<byte>.Shared.Rent((int)total);
        try
        {
            int offset = 0;
            for (int i = 0; i < messages.Length; i++)
            {
                WriteFramed(frames.AsSpan(offset), lengths[i], in messages[i]);
                offset += FrameHeader.Size + lengths[i];
            }

            ReadOnlySpan<byte> run = frames.AsSpan(0, offset);
            int delivered = 0, dropped = 0;
            foreach (KeyValuePair<long, TetherSession> entry in sessions)
            {
                if (!TakesPushes(entry.Value) || entry.Value.Id == exceptSessionId)
                {
                    continue;
                }

                if (entry.Value.Connection.TrySendFramedRun(run, messages.Length) == messages.Length)
                {
                    delivered++;
                }
                else
                {
                    dropped++;
                }
            }

            return new BroadcastResult(delivered, dropped);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frames);
            ArrayPool<int>.Shared.Return(lengths);
        }
    }

    private static BroadcastResult BroadcastTo<T>(ConcurrentDictionary<long, TetherSession> sessions, in T message, Guid? exceptSessionId)
        where T : IMessage<T>
    {
        int length = TetherCodec.GetEncodedSize(in message);
        byte[] frame = ArrayPool<byte>.Shared.Rent(FrameHeader.Size + length);
        try
        {
            WriteFramed(frame, length, in message);
            return DeliverFramed(sessions, frame.AsSpan(0, FrameHeader.Size + length), exceptSessionId);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>A one-way push of <paramref name="message"/> as it travels (header and body), for a backplane to carry to other nodes.</summary>
    internal static byte[] Frame<T>(in T message)
        where T : IMessage<T>
    {
        int length = TetherCodec.GetEncodedSize(in message);
        byte[] frame = new byte[FrameHeader.Size + length];
        WriteFramed(frame, length, in message);
        return frame;
    }

    /// <summary>Pushes an already framed message (<see cref="Frame{T}"/>) to this node's active sessions, or those in <paramref name="group"/>.</summary>
    internal BroadcastResult BroadcastFramed(ReadOnlySpan<byte> framed, string? group, Guid? exceptSessionId)
    {
        if (group is null)
        {
            return DeliverFramed(_sessions, framed, exceptSessionId);
        }

        return _groups.TryGetValue(group, out ConcurrentDictionary<long, TetherSession>? members) ? DeliverFramed(members, framed, exceptSessionId) : default;
    }

    /// <summary>Pushes an already framed message to one session of this node unless its send queue is full.</summary>
    internal bool TrySendFramedTo(Guid sessionId, ReadOnlySpan<byte> framed) =>
        _sessionsById.TryGetValue(sessionId, out TetherSession? session) && TakesPushes(session) && session.Connection.TrySendFramed(framed);

    /// <summary>
    /// Whether a push to <paramref name="session"/> reaches its client: an active session, or a resumable one between links
    /// (resuming, or negotiating its resume), whose replay buffer keeps the push and sends it once after the resume, as it
    /// does for <c>SendAsync</c>. A session still in its first handshake, draining or closed takes none.
    /// </summary>
    private static bool TakesPushes(TetherSession session) => session.State switch
    {
        SessionState.Active => true,
        SessionState.Resuming or SessionState.Negotiating => session.Connection.Contract is { Resumable: true },
        _ => false,
    };

    /// <summary>Writes the frame at the start of <paramref name="frame"/>; what follows it there is scratch for the encoder.</summary>
    private static void WriteFramed<T>(Span<byte> frame, int length, in T message)
        where T : IMessage<T>
    {
        new FrameHeader(length, FrameType.Message, FrameFlags.ByMessageType, 0, T.MessageId).Write(frame);
        TetherCodec.EncodeSized(frame[FrameHeader.Size..], length, in message);
    }

    private static BroadcastResult DeliverFramed(ConcurrentDictionary<long, TetherSession> sessions, ReadOnlySpan<byte> framed, Guid? exceptSessionId)
    {
        int delivered = 0, dropped = 0;
        foreach (KeyValuePair<long, TetherSession> entry in sessions)
        {
            if (!TakesPushes(entry.Value) || entry.Value.Id == exceptSessionId)
            {
                continue;
            }

            if (entry.Value.Connection.TrySendFramed(framed))
            {
                delivered++;
            }
            else
            {
                dropped++;
            }
        }

        return new BroadcastResult(delivered, dropped);
    }

    /// <summary>Adds a session to a group (created on first use). A session leaves all its groups when it closes.</summary>
    public bool AddToGroup(TetherSession session, string group)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(group);
        if (session.State == SessionState.Closed)
        {
            return false;
        }

        ConcurrentDictionary<long, TetherSession> members = _groups.GetOrAdd(group, static _ => new ConcurrentDictionary<long, TetherSession>());
        bool added = members.TryAdd(session.ConnectionId, session);
        if (session.State == SessionState.Closed)
        {
            // Closed while joining: RetireAsync may already have swept the groups.
            members.TryRemove(session.ConnectionId, out _);
            return false;
        }

        return added;
    }

    /// <summary>Removes a session from a group.</summary>
    public bool RemoveFromGroup(TetherSession session, string group)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _groups.TryGetValue(group, out ConcurrentDictionary<long, TetherSession>? members) && members.TryRemove(session.ConnectionId, out _);
    }

    /// <summary>Sessions in a group.</summary>
    public IReadOnlyList<TetherSession> GetGroupMembers(string group) =>
        _groups.TryGetValue(group, out ConcurrentDictionary<long, TetherSession>? members) ? [.. members.Values] : [];

    /// <summary>Names of groups with at least one member.</summary>
    public IReadOnlyList<string> GroupNames => [.. _groups.Where(static g => !g.Value.IsEmpty).Select(static g => g.Key).Order(StringComparer.Ordinal)];

    internal IReadOnlyList<string> GroupsOf(TetherSession session) =>
        [.. _groups.Where(g => g.Value.ContainsKey(session.ConnectionId)).Select(static g => g.Key).Order(StringComparer.Ordinal)];

    private void RemoveFromAllGroups(TetherSession session)
    {
        foreach (KeyValuePair<string, ConcurrentDictionary<long, TetherSession>> group in _groups)
        {
            group.Value.TryRemove(session.ConnectionId, out _);
        }
    }
}
