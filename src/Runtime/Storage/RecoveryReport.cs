namespace Tether.Storage;

/// <summary>One stretch of a file recovery could not use, and why.</summary>
/// <param name="File">The file (a log segment or a snapshot).</param>
/// <param name="Offset">Where the damage starts.</param>
/// <param name="BytesDropped">Bytes from there that were not applied.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record StoreDamage(string File, long Offset, long BytesDropped, string Reason);

/// <summary>What opening a <see cref="DurableStore"/> found: what it applied, the torn tail it cut, the damage it skipped.</summary>
public sealed class RecoveryReport
{
    internal RecoveryReport(string? snapshot, long snapshotRecords, int segments, long logRecords, long tornTailBytes, IReadOnlyList<StoreDamage> damage, TimeSpan duration)
    {
        Snapshot = snapshot;
        SnapshotRecords = snapshotRecords;
        Segments = segments;
        LogRecords = logRecords;
        TornTailBytes = tornTailBytes;
        Damage = damage;
        Duration = duration;
    }

    /// <summary>The snapshot recovery started from, or null if there was none.</summary>
    public string? Snapshot { get; }

    /// <summary>Records applied from the snapshot.</summary>
    public long SnapshotRecords { get; }

    /// <summary>Log segments read.</summary>
    public int Segments { get; }

    /// <summary>Records applied from the log.</summary>
    public long LogRecords { get; }

    /// <summary>
    /// Bytes cut from the end of the newest segment: a record whose write a crash interrupted (never acknowledged in
    /// <see cref="DurabilityMode.Always"/>). Not damage: the normal trace of a crash.
    /// </summary>
    public long TornTailBytes { get; }

    /// <summary>Damaged stretches (checksum failures, missing segments, damaged snapshots); recovery kept everything before the first one in the log.</summary>
    public IReadOnlyList<StoreDamage> Damage { get; }

    /// <summary>How long recovery took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Whether anything was damaged (beyond a torn tail).</summary>
    public bool IsDamaged => Damage.Count > 0;

    /// <summary>The damage as a typed error (<see cref="TetherErrorCode.StoreCorrupted"/>), or null when there was none.</summary>
    public TetherException? Error => IsDamaged
        ? new TetherException(TetherErrorCode.StoreCorrupted,
            "Recovery dropped damaged data: " + string.Join("; ", Damage.Select(d => $"{Path.GetFileName(d.File)} at byte {d.Offset}: {d.Reason} ({d.BytesDropped} bytes)")))
        : null;
}
