namespace Tether.Connections;

/// <summary>
/// The call objects of a session's incoming calls: the ones a cancel frame can reach (calls whose handler is still
/// running), and the pool of idle ones. Its lock guards both, so a call cannot finish and be reused for another call
/// while a cancel is being delivered to it. The receive loop keeps one object of its own outside the lock: a handler
/// that completes synchronously hands it straight back, so the common path takes no lock at all.
/// </summary>
internal sealed class IncomingCallTable(int maxIdle)
{
    private readonly Lock _lock = new();
    // Both made when first needed: a session whose handlers all complete on the receive loop (and an idle one) needs neither.
    private Dictionary<uint, IncomingCall>? _running;
    private Stack<IncomingCall>? _idle;
    private IncomingCall? _receiveLoopCall;

    /// <summary>Idle call objects kept for reuse (besides the receive loop's own).</summary>
    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle?.Count ?? 0;
            }
        }
    }

    /// <summary>Calls a cancel frame can reach now.</summary>
    public int RunningCount
    {
        get
        {
            lock (_lock)
            {
                return _running?.Count ?? 0;
            }
        }
    }

    /// <summary>A call object for a new call: the receive loop's own when <paramref name="onReceiveLoop"/> and it is free, else a pooled or new one.</summary>
    public IncomingCall Rent(bool onReceiveLoop)
    {
        if (onReceiveLoop && _receiveLoopCall is { } own)
        {
            _receiveLoopCall = null;
            return own;
        }

        lock (_lock)
        {
            return _idle is { Count: > 0 } idle ? idle.Pop() : new IncomingCall();
        }
    }

    /// <summary>Makes a call whose handler went asynchronous reachable by a cancel frame.</summary>
    public void Track(uint callId, IncomingCall call)
    {
        lock (_lock)
        {
            (_running ??= [])[callId] = call;
        }
    }

    /// <summary>The call finished: a cancel frame no longer reaches it.</summary>
    public void Untrack(uint callId)
    {
        lock (_lock)
        {
            _running?.Remove(callId);
        }
    }

    /// <summary>Takes back a finished (and reset) call object: the receive loop's own when <paramref name="onReceiveLoop"/>, else the pool while it holds fewer than its bound.</summary>
    public void Return(IncomingCall call, bool onReceiveLoop)
    {
        if (onReceiveLoop)
        {
            _receiveLoopCall = call;
            return;
        }

        lock (_lock)
        {
            _idle ??= new Stack<IncomingCall>();
            if (_idle.Count < maxIdle)
            {
                _idle.Push(call);
            }
        }
    }

    // Stream frames reach their call under the lock, as a cancel does: a call cannot finish and be reused for another call
    // (on another QUIC stream's receive loop) between being found and being given the frame.

    /// <summary>The caller of running call <paramref name="callId"/> can take <paramref name="items"/> more of its stream items (a call that is over ignores it).</summary>
    public void Grant(uint callId, int items)
    {
        lock (_lock)
        {
            if (_running is not null && _running.TryGetValue(callId, out IncomingCall? call))
            {
                call.OnCredit(items);
            }
        }
    }

    /// <summary>An item of a running call's request stream (dropped when the call is over); false when its caller had no credit for it.</summary>
    public bool DeliverInput(in Framing.FrameHeader header, in System.Buffers.ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        lock (_lock)
        {
            return _running is null || !_running.TryGetValue(header.CallId, out IncomingCall? call) || call.Input is not { } input || input.OnItem(header, payload, options);
        }
    }

    /// <summary>The caller ended running call <paramref name="callId"/>'s request stream.</summary>
    public void EndInput(uint callId)
    {
        lock (_lock)
        {
            if (_running is not null && _running.TryGetValue(callId, out IncomingCall? call))
            {
                call.Input?.OnEnd();
            }
        }
    }

    /// <summary>The caller cancelled call <paramref name="callId"/>: its handler's token fires (callbacks run on the thread pool, never under this lock).</summary>
    public bool Cancel(uint callId)
    {
        lock (_lock)
        {
            if (_running is not null && _running.TryGetValue(callId, out IncomingCall? call))
            {
                call.Cancel(byPeer: true);
                return true;
            }

            return false;
        }
    }

    /// <summary>Adds the spans of the running calls that have one to <paramref name="spans"/>.</summary>
    public void CollectSpans(List<System.Diagnostics.Activity> spans)
    {
        lock (_lock)
        {
            if (_running is null)
            {
                return;
            }

            foreach (IncomingCall call in _running.Values)
            {
                if (call.Trace is { } span)
                {
                    spans.Add(span);
                }
            }
        }
    }

    /// <summary>The session ended: every running handler's token fires.</summary>
    public void CancelAll()
    {
        lock (_lock)
        {
            if (_running is null)
            {
                return;
            }

            foreach (IncomingCall call in _running.Values)
            {
                call.Cancel(byPeer: false);
            }
        }
    }
}
