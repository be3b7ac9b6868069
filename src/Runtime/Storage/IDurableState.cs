namespace Tether.Storage;

/// <summary>
/// What a <see cref="DurableStore"/> keeps durable: the owner applies records to its in-memory state, and writes that
/// state out as records for a snapshot.
/// </summary>
/// <remarks>
/// A snapshot is written while appends go on, so the records after its cut may already be reflected in it and are
/// applied again on recovery. Records must therefore be idempotent and absolute ("key K is now V", "K is gone"), not
/// relative ("add 1 to K"): then the snapshot plus the log replayed over it always ends in the latest state.
/// Recovery calls <see cref="Apply"/> from one thread; <see cref="WriteSnapshot"/> runs on a background thread
/// concurrently with the owner's own updates.
/// </remarks>
public interface IDurableState
{
    /// <summary>Applies one record (from a snapshot or the log) during recovery.</summary>
    void Apply(ReadOnlySpan<byte> record);

    /// <summary>Writes records that rebuild the current state when applied to an empty one.</summary>
    void WriteSnapshot(SnapshotWriter writer);
}
