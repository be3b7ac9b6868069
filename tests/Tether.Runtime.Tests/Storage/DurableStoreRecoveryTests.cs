using System.Text;
using Tether.Storage;

namespace Tether.Runtime.Tests.Storage;

/// <summary>What survives a reopen, a torn tail, a flipped bit, a missing segment, a crash during a snapshot.</summary>
public sealed class DurableStoreRecoveryTests
{
    private static byte[] ValueOf(int i) => Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', i % 17));

    private static string KeyOf(int i) => $"k{i:D4}";

    private static async Task WriteAsync(DurableMap map, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            await map.SetAsync(KeyOf(i), ValueOf(i));
        }
    }

    private static void AssertHolds(DurableMap map, int count)
    {
        Assert.Equal(count, map.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.True(map.TryGet(KeyOf(i), out byte[] value), $"{KeyOf(i)} is missing");
            Assert.Equal(ValueOf(i), value);
        }
    }

    [Theory]
    [InlineData(DurabilityMode.Always)]
    [InlineData(DurabilityMode.Batched)]
    [InlineData(DurabilityMode.None)]
    public async Task Every_change_survives_a_reopen_in_every_mode(DurabilityMode mode)
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options(mode)))
        {
            await WriteAsync(map, 0, 200);
            await map.RemoveAsync(KeyOf(199));
            await map.SetAsync(KeyOf(0), ValueOf(0)); // rewritten: the last value wins
        }

        await using DurableMap reopened = DurableMap.Open(directory.Options(mode));
        AssertHolds(reopened, 199);
        Assert.Equal(200 + 2, reopened.Store.Recovery.LogRecords);
        Assert.False(reopened.Store.Recovery.IsDamaged);
    }

    [Fact]
    public async Task A_log_cut_at_any_byte_of_its_last_records_keeps_every_whole_record_and_reports_the_torn_tail()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options()))
        {
            await WriteAsync(map, 0, 6);
        }

        string segment = Assert.Single(directory.Segments());
        byte[] whole = File.ReadAllBytes(segment);
        int[] ends = RecordEnds(whole);
        Assert.Equal(6, ends.Length);

        // Every cut from the start of the fourth record to one byte before the end.
        for (int cut = ends[2]; cut < whole.Length; cut++)
        {
            using StoreDirectory copy = directory.Copy();
            string copied = Path.Combine(copy.Path, Path.GetFileName(segment));
            File.WriteAllBytes(copied, whole.AsSpan(0, cut).ToArray());
            await using DurableMap map = DurableMap.Open(copy.Options());
            int whole_records = ends.Count(end => end <= cut);
            AssertHolds(map, whole_records);
            Assert.False(map.Store.Recovery.IsDamaged);
            Assert.Equal(cut - ends[whole_records - 1], map.Store.Recovery.TornTailBytes);
            Assert.Equal(ends[whole_records - 1], new FileInfo(copied).Length); // the tail was cut off the file
        }
    }

    [Fact]
    public async Task A_flipped_bit_before_the_tail_is_reported_as_damage_and_everything_before_it_is_kept()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options()))
        {
            await WriteAsync(map, 0, 5);
        }

        string segment = Assert.Single(directory.Segments());
        byte[] whole = File.ReadAllBytes(segment);
        int[] ends = RecordEnds(whole);
        for (int position = ends[1]; position < ends[2]; position++) // every byte of the third record
        {
            using StoreDirectory copy = directory.Copy();
            byte[] damaged = (byte[])whole.Clone();
            damaged[position] ^= (byte)(1 << (position % 8));
            File.WriteAllBytes(Path.Combine(copy.Path, Path.GetFileName(segment)), damaged);

            await using (DurableMap map = DurableMap.Open(copy.Options()))
            {
                AssertHolds(map, 2);
                StoreDamage damage = Assert.Single(map.Store.Recovery.Damage);
                Assert.Equal(ends[1], damage.Offset);
                Assert.Equal(whole.Length - ends[1], damage.BytesDropped);
                Assert.Equal(TetherErrorCode.StoreCorrupted, map.Store.Recovery.Error!.Code);
                Assert.True(File.Exists(Path.Combine(copy.Path, Path.GetFileName(segment)) + ".damaged"));
            }

            // The intact state was snapshotted at once: the next start finds nothing wrong and the same entries.
            await using DurableMap again = DurableMap.Open(copy.Options());
            AssertHolds(again, 2);
            Assert.False(again.Store.Recovery.IsDamaged);
        }
    }

    [Fact]
    public async Task Damage_in_an_older_segment_drops_the_later_segments_and_names_each()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options(segmentBytes: 4096)))
        {
            await WriteAsync(map, 0, 600);
        }

        string[] segments = directory.Segments();
        Assert.True(segments.Length >= 4, $"{segments.Length} segments");
        byte[] second = File.ReadAllBytes(segments[1]);
        second[WriteAheadLog.SegmentHeaderSize + 10] ^= 0x40;
        File.WriteAllBytes(segments[1], second);
        int kept = RecordEnds(File.ReadAllBytes(segments[0])).Length; // the first segment, whole

        await using DurableMap reopened = DurableMap.Open(directory.Options(segmentBytes: 4096));
        RecoveryReport report = reopened.Store.Recovery;
        Assert.Equal(segments.Length - 1, report.Damage.Count); // the damaged segment and every one after it
        Assert.Equal(segments[1], report.Damage[0].File);
        Assert.All(report.Damage.Skip(1), d => Assert.Equal("follows damaged data", d.Reason));
        AssertHolds(reopened, kept);
    }

    [Fact]
    public async Task A_missing_segment_is_damage_not_a_silent_gap()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options(segmentBytes: 4096)))
        {
            await WriteAsync(map, 0, 300);
            await map.Store.SnapshotAsync();
            await WriteAsync(map, 300, 300);
        }

        string[] segments = directory.Segments();
        Assert.True(segments.Length >= 3);
        File.Delete(segments[1]);
        await using DurableMap reopened = DurableMap.Open(directory.Options(segmentBytes: 4096));
        Assert.Contains(reopened.Store.Recovery.Damage, d => d.Reason.Contains("is missing", StringComparison.Ordinal));
        Assert.True(reopened.Count >= 300, "the snapshot and the first segment after it are kept");
    }

    [Fact]
    public async Task A_snapshot_replaces_the_segments_it_covers_and_recovery_starts_from_it()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options(segmentBytes: 4096)))
        {
            await WriteAsync(map, 0, 400);
            int before = directory.Segments().Length;
            await map.Store.SnapshotAsync();
            Assert.True(directory.Segments().Length < before);
            await WriteAsync(map, 400, 100);
            await map.RemoveAsync(KeyOf(499));
        }

        await using DurableMap reopened = DurableMap.Open(directory.Options(segmentBytes: 4096));
        AssertHolds(reopened, 499);
        Assert.Equal(400, reopened.Store.Recovery.SnapshotRecords);
        Assert.Equal(101, reopened.Store.Recovery.LogRecords);
    }

    [Fact]
    public async Task A_snapshot_taken_while_writers_run_loses_no_write()
    {
        using var directory = new StoreDirectory();
        var expected = new Dictionary<string, byte[]>();
        await using (DurableMap map = DurableMap.Open(directory.Options(DurabilityMode.None, segmentBytes: 16 * 1024)))
        {
            Task[] writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 2_000; i++)
                {
                    string key = $"w{w}-{i % 500}"; // rewrites and removals of the same keys across the snapshot's cut
                    if (i % 7 == 0)
                    {
                        await map.RemoveAsync(key);
                    }
                    else
                    {
                        await map.SetAsync(key, Encoding.UTF8.GetBytes($"{w}:{i}"));
                    }
                }
            })).ToArray();
            for (int s = 0; s < 5; s++)
            {
                await map.Store.SnapshotAsync();
            }

            await Task.WhenAll(writers);
            foreach (KeyValuePair<string, byte[]> entry in map.Entries)
            {
                expected[entry.Key] = entry.Value;
            }
        }

        await using DurableMap reopened = DurableMap.Open(directory.Options(DurabilityMode.None, segmentBytes: 16 * 1024));
        Assert.Equal(expected.Count, reopened.Count);
        foreach ((string key, byte[] value) in expected)
        {
            Assert.True(reopened.TryGet(key, out byte[] got));
            Assert.Equal(value, got);
        }
    }

    [Fact]
    public async Task A_crash_during_a_snapshot_leaves_the_previous_snapshot_and_the_log_in_use()
    {
        using var directory = new StoreDirectory();
        var files = new FaultyFileSystem();
        DurableStoreOptions options = directory.Options(segmentBytes: 4096);
        options.FileSystem = files;
        await using (DurableMap map = DurableMap.Open(options))
        {
            await WriteAsync(map, 0, 200);
            await map.Store.SnapshotAsync();
            await WriteAsync(map, 200, 200);

            files.FailSnapshots = true; // the temporary file's write fails part-way
            TetherException failed = await Assert.ThrowsAsync<TetherException>(() => map.Store.SnapshotAsync());
            Assert.Equal(TetherErrorCode.StoreUnavailable, failed.Code);
            files.FailSnapshots = false;

            files.FailRenames = true; // written and flushed, but never renamed into place
            failed = await Assert.ThrowsAsync<TetherException>(() => map.Store.SnapshotAsync());
            Assert.Equal(TetherErrorCode.StoreUnavailable, failed.Code);
            files.FailRenames = false;
            await WriteAsync(map, 400, 10);
        }

        Assert.NotEmpty(Directory.GetFiles(directory.Path, "*.tmp")); // what the failed snapshot left behind
        await using DurableMap reopened = DurableMap.Open(directory.Options(segmentBytes: 4096));
        AssertHolds(reopened, 410);
        Assert.False(reopened.Store.Recovery.IsDamaged);
        Assert.Equal(200, reopened.Store.Recovery.SnapshotRecords);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.tmp"));
    }

    [Fact]
    public async Task A_damaged_snapshot_is_read_as_far_as_it_is_intact_and_reported()
    {
        using var directory = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(directory.Options()))
        {
            await WriteAsync(map, 0, 50);
            await map.Store.SnapshotAsync();
        }

        string snapshot = Assert.Single(Directory.GetFiles(directory.Path, "*.tsnap"));
        byte[] bytes = File.ReadAllBytes(snapshot);
        File.WriteAllBytes(snapshot, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        await using DurableMap reopened = DurableMap.Open(directory.Options());
        StoreDamage damage = Assert.Single(reopened.Store.Recovery.Damage);
        Assert.Equal(snapshot, damage.File);
        Assert.InRange(reopened.Count, 1, 49);
        Assert.All(reopened.Entries, e => Assert.Equal(ValueOf(int.Parse(e.Key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)), e.Value));
    }

    /// <summary>Offsets (from the file's start) where each record of a segment ends.</summary>
    internal static int[] RecordEnds(byte[] segment)
    {
        var ends = new List<int>();
        int offset = WriteAheadLog.SegmentHeaderSize;
        while (offset + RecordFraming.HeaderSize <= segment.Length)
        {
            offset += RecordFraming.SizeOf(BitConverter.ToInt32(segment, offset));
            ends.Add(offset);
        }

        return [.. ends];
    }
}
