namespace Tether.Storage;

/// <summary>When an append to a <see cref="DurableStore"/> counts as done, chosen explicitly because it trades speed for what a crash can lose.</summary>
public enum DurabilityMode
{
    /// <summary>
    /// On disk (flushed with fsync) before the append completes. Concurrent appends share one flush (group commit), so
    /// many writers cost little more than one; a single writer waits one flush per append.
    /// </summary>
    Always,

    /// <summary>
    /// The append completes at once and reaches the disk within <see cref="DurableStoreOptions.BatchInterval"/> plus
    /// one flush: a crash (of the machine, not just the process) can lose that much. A failed flush faults the store,
    /// so later appends fail instead of being lost silently.
    /// </summary>
    Batched,

    /// <summary>
    /// Written to the operating system at once and never flushed by the store: survives the process being killed, not
    /// the machine losing power.
    /// </summary>
    None,
}
