using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Tether.Storage;

/// <summary>
/// Rebuilds an <see cref="IDurableState"/> from the newest snapshot and the log segments after it: a torn tail (the
/// write a crash interrupted) is cut; damage (a checksum failure anywhere else, a missing segment) ends what is
/// applied, is reported with the exact bytes dropped, and the damaged files are renamed aside for inspection.
/// </summary>
internal static class LogRecovery
{
    public const string DamagedSuffix = ".damaged";

    /// <returns>The report and the index the next segment gets.</returns>
    public static (RecoveryReport Report, long NextSegment) Run(StorageFileSystem files, string directory, IDurableState state, ILogger logger)
    {
        long started = Stopwatch.GetTimestamp();
        var damage = new List<StoreDamage>();
        SnapshotFile.DeleteTemporaries(files, directory);

        var snapshots = files.EnumerateFiles(directory, "*" + SnapshotFile.Suffix)
            .Select(path => (Ok: SnapshotFile.TryParse(path, out long first), First: first, Path: path))
            .Where(s => s.Ok).OrderByDescending(s => s.First).ToList();
        long firstSegment = 1;
        string? snapshotPath = null;
        long snapshotRecords = 0;
        if (snapshots.Count > 0)
        {
            (_, firstSegment, snapshotPath) = snapshots[0];
            snapshotRecords = SnapshotFile.Read(files.ReadAllBytes(snapshotPath), snapshotPath, firstSegment, state, out StoreDamage? snapshotDamage);
            if (snapshotDamage is not null)
            {
                damage.Add(snapshotDamage);
            }

            foreach ((_, _, string older) in snapshots.Skip(1))
            {
                files.Delete(older); // a crash came between a newer snapshot's rename and this cleanup
            }
        }

        var segments = files.EnumerateFiles(directory, "*" + WriteAheadLog.SegmentSuffix)
            .Select(path => (Ok: WriteAheadLog.TryParseSegment(path, out long index), Index: index, Path: path))
            .Where(s => s.Ok).OrderBy(s => s.Index).ToList();
        long next = firstSegment;
        long expected = snapshotPath is null ? -1 : firstSegment; // without a snapshot the oldest segment left is the start
        long logRecords = 0;
        long torn = 0;
        int read = 0;
        bool stopped = false;
        for (int i = 0; i < segments.Count; i++)
        {
            (_, long index, string path) = segments[i];
            if (index < firstSegment)
            {
                files.Delete(path); // covered by the snapshot; a crash came before its cleanup
                continue;
            }

            next = index + 1;
            if (!stopped && expected >= 0 && index != expected)
            {
                damage.Add(new StoreDamage(path, 0, files.LengthOf(path), $"log segment {expected} is missing before it"));
                stopped = true;
            }

            expected = index + 1;
            if (stopped)
            {
                if (damage[^1].File != path)
                {
                    damage.Add(new StoreDamage(path, 0, files.LengthOf(path), "follows damaged data"));
                }

                MoveAside(files, path);
                continue;
            }

            read++;
            byte[] bytes = files.ReadAllBytes(path);
            bool last = i == segments.Count - 1;
            SegmentResult result = ReadSegment(bytes, index, state, last);
            logRecords += result.Records;
            if (result.TornAt == 0)
            {
                torn += bytes.Length;
                files.Delete(path); // not even its header was written: the next segment takes its number
                next = index;
                read--;
            }
            else if (result.TornAt >= 0)
            {
                torn += bytes.Length - result.TornAt;
                files.Truncate(path, result.TornAt);
                StorageLog.TornTail(logger, directory, path, bytes.Length - result.TornAt);
            }
            else if (result.DamagedAt >= 0)
            {
                damage.Add(new StoreDamage(path, result.DamagedAt, bytes.Length - result.DamagedAt, result.Reason!));
                MoveAside(files, path);
                stopped = true;
            }
        }

        foreach (StoreDamage d in damage)
        {
            StorageLog.Damaged(logger, directory, d.File, d.Offset, d.BytesDropped, d.Reason);
        }

        var report = new RecoveryReport(snapshotPath, snapshotRecords, read, logRecords, torn, damage, Stopwatch.GetElapsedTime(started));
        StorageLog.Recovered(logger, directory, report.Duration.TotalMilliseconds, snapshotRecords, snapshotPath ?? "no snapshot", logRecords, read);
        return (report, next);
    }

    private readonly record struct SegmentResult(long Records, long TornAt, long DamagedAt, string? Reason);

    private static SegmentResult ReadSegment(byte[] bytes, long index, IDurableState state, bool last)
    {
        if (bytes.Length < WriteAheadLog.SegmentHeaderSize || !WriteAheadLog.IsSegmentHeader(bytes, index))
        {
            // The newest segment created but its header not (wholly) on disk: nothing in it was ever acknowledged.
            bool unwritten = bytes.Length < WriteAheadLog.SegmentHeaderSize || !bytes.AsSpan(0, WriteAheadLog.SegmentHeaderSize).ContainsAnyExcept((byte)0);
            return last && unwritten
                ? new SegmentResult(0, 0, -1, null)
                : new SegmentResult(0, -1, 0, bytes.Length < WriteAheadLog.SegmentHeaderSize ? "the segment is shorter than its header" : "the segment's header is damaged");
        }

        long records = 0;
        int offset = WriteAheadLog.SegmentHeaderSize;
        while (offset < bytes.Length)
        {
            ReadOnlySpan<byte> rest = bytes.AsSpan(offset);
            RecordFraming.ReadResult result = RecordFraming.TryRead(rest, out ReadOnlySpan<byte> payload, out int size);
            if (result == RecordFraming.ReadResult.Record)
            {
                state.Apply(payload);
                records++;
                offset += size;
                continue;
            }

            if (last && IsTorn(rest, result))
            {
                return new SegmentResult(records, offset, -1, null);
            }

            return new SegmentResult(records, -1, offset, result == RecordFraming.ReadResult.Corrupt
                ? "a record fails its checksum"
                : last ? "a record's length runs past the end, yet whole records follow it (its length is damaged)"
                : "the segment ends in the middle of a record, and later segments follow");
        }

        return new SegmentResult(records, -1, -1, null);
    }

    /// <summary>
    /// Whether a bad record at the end of the newest segment is what a crash mid-write leaves rather than damage: the
    /// rest of the file is zeros (space allocated, data never written), the record itself is zeros (a page that never
    /// reached the disk while a later one did), or its length runs past the end of the file with no whole record after
    /// it (the write stopped there). A length that runs past the end with whole records after it was damaged; a
    /// checksum failure over nonzero bytes is damage. A damaged length in the very last record is indistinguishable
    /// from a torn write and is treated as one.
    /// </summary>
    private static bool IsTorn(ReadOnlySpan<byte> rest, RecordFraming.ReadResult result)
    {
        if (!rest.ContainsAnyExcept((byte)0) || rest.Length < RecordFraming.HeaderSize)
        {
            return true;
        }

        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (result == RecordFraming.ReadResult.Corrupt)
        {
            return length >= 0 && (long)RecordFraming.HeaderSize + length <= rest.Length
                && !rest[..(RecordFraming.HeaderSize + length)].ContainsAnyExcept((byte)0);
        }

        for (int i = 1; i + RecordFraming.HeaderSize <= rest.Length; i++)
        {
            if (RecordFraming.TryRead(rest[i..], out _, out _) == RecordFraming.ReadResult.Record)
            {
                return false;
            }
        }

        return true;
    }

    private static void MoveAside(StorageFileSystem files, string path) => files.Rename(path, path + DamagedSuffix);
}
