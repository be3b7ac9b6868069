namespace Tether.Connections;

/// <summary>Per-connection counters, updated without locks (one writer each: the receive loop or a completing call).</summary>
internal sealed class ConnectionCounters
{
    private long _framesReceived;
    private long _callsStarted;
    private long _callsFailed;
    private long _pushesDropped;

    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    public long CallsStarted => Interlocked.Read(ref _callsStarted);

    public long CallsFailed => Interlocked.Read(ref _callsFailed);

    public long PushesDropped => Interlocked.Read(ref _pushesDropped);

    public void FrameReceived() => _framesReceived++;

    public void CallStarted() => _callsStarted++;

    public void CallFailed() => Interlocked.Increment(ref _callsFailed);

    public void PushDropped() => Interlocked.Increment(ref _pushesDropped);

    /// <summary>Counts the pushes of a batch that were not sent.</summary>
    public void PushesDroppedBy(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _pushesDropped, count);
        }
    }
}
