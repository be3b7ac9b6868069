using System.Buffers;
using System.Collections.Concurrent;

namespace Tether.Security;

/// <summary>
/// The client's side of credentials refresh: the refreshes waiting for the server's answer (by number), and when the
/// next automatic refresh is due (at 80 % of the lifetime the server last announced, so a slow provider still has time).
/// </summary>
internal sealed class CredentialsRefresh
{
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<TimeSpan?>> _waiting = new();
    private uint _lastId;
    private long _dueAt = long.MaxValue;
    private long _lifetimeTicks;
    private int _running;

    /// <summary>When the next automatic refresh is due (a <see cref="TimeProvider"/> timestamp), or <see cref="long.MaxValue"/>.</summary>
    public long DueAt => Volatile.Read(ref _dueAt);

    /// <summary>The server accepted credentials with <paramref name="lifetime"/> left (null: they do not expire).</summary>
    public void Accepted(TimeSpan? lifetime, TimeProvider time)
    {
        _lifetimeTicks = lifetime is { } left ? (long)(left.TotalSeconds * time.TimestampFrequency) : 0;
        Volatile.Write(ref _dueAt, lifetime is not null ? time.GetTimestamp() + (long)(_lifetimeTicks * 0.8) : long.MaxValue);
    }

    /// <summary>An automatic refresh failed: try again after a tenth of the lifetime (at least a second), not on every tick.</summary>
    public void RetryLater(TimeProvider time) =>
        Volatile.Write(ref _dueAt, time.GetTimestamp() + Math.Max(time.TimestampFrequency, _lifetimeTicks / 10));

    /// <summary>Claims the automatic refresh (one at a time); false when one runs already.</summary>
    public bool TryBeginAutomatic() => Interlocked.Exchange(ref _running, 1) == 0;

    public void EndAutomatic() => Volatile.Write(ref _running, 0);

    /// <summary>A new refresh: its number (the frame's call id) and the task its answer completes.</summary>
    public (uint Id, Task<TimeSpan?> Answer) Begin()
    {
        uint id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<TimeSpan?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        return (id, answer.Task);
    }

    public void Abandon(uint id) => _waiting.TryRemove(id, out _);

    /// <summary>The server's answer to refresh <paramref name="id"/>: accepted with a lifetime, or refused with a code and reason.</summary>
    public void OnAnswer(uint id, int code, in ReadOnlySequence<byte> payload)
    {
        if (!_waiting.TryRemove(id, out TaskCompletionSource<TimeSpan?>? answer))
        {
            return;
        }

        if (code != 0)
        {
            answer.TrySetException(TetherErrors.FromPeer(code, Connections.ControlPayload.ReadText(payload)));
            return;
        }

        try
        {
            var reader = new Serialization.TetherReader(payload);
            answer.TrySetResult(Sessions.ServerHello.ReadLifetime(ref reader));
        }
        catch (TetherDecodeException e)
        {
            answer.TrySetException(new TetherException(TetherErrorCode.ProtocolViolation, $"The refresh answer is malformed: {e.Message}"));
        }
    }

    /// <summary>The session ended: refreshes still waiting fail with <paramref name="reason"/>.</summary>
    public void FailAll(Exception reason)
    {
        foreach (uint id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out TaskCompletionSource<TimeSpan?>? answer))
            {
                answer.TrySetException(reason);
            }
        }
    }
}
