using System.Text;
using Tether.Storage;

namespace Tether.Runtime.Tests.Storage;

/// <summary>Full disks, unusable directories, a second store on one directory, group commit, and recovery fuzzed.</summary>
public sealed class DurableStoreFaultTests
{
    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public async Task A_second_store_on_the_same_directory_is_refused_until_the_first_is_closed()
    {
        using var directory = new StoreDirectory();
        DurableMap first = DurableMap.Open(directory.Options());
        TetherException refused = Assert.Throws<TetherException>(() => DurableMap.Open(directory.Options()));
        Assert.Equal(TetherErrorCode.StoreLocked, refused.Code);
        Assert.Contains(directory.Path, refused.Message, StringComparison.Ordinal);

        await first.DisposeAsync();
        await using DurableMap second = DurableMap.Open(directory.Options());
    }

    [Fact]
    public void A_directory_that_cannot_be_created_fails_open_with_a_typed_error()
    {
        using var directory = new StoreDirectory();
        string file = Path.Combine(directory.Path, "a-file");
        File.WriteAllText(file, "not a directory");
        TetherException error = Assert.Throws<TetherException>(() => DurableMap.Open(new DurableStoreOptions { Directory = Path.Combine(file, "store") }));
        Assert.Equal(TetherErrorCode.StoreUnavailable, error.Code);
    }

    [Fact]
    public async Task A_full_disk_fails_the_append_that_hit_it_and_loses_nothing_acknowledged()
    {
        using var directory = new StoreDirectory();
        var files = new FaultyFileSystem();
        DurableStoreOptions options = directory.Options();
        options.FileSystem = files;
        await using (DurableMap map = DurableMap.Open(options))
        {
            await map.SetAsync("before", "kept"u8);
            files.WriteBudget = 5; // the next record is written in part, then the disk is full
            TetherException full = await Assert.ThrowsAsync<TetherException>(async () => await map.SetAsync("during", "refused"u8));
            Assert.Equal(TetherErrorCode.StoreUnavailable, full.Code);
            Assert.Contains("no space left", full.Message, StringComparison.Ordinal);

            files.WriteBudget = long.MaxValue; // space came back: the store goes on
            await map.SetAsync("after", "kept too"u8);
        }

        await using DurableMap reopened = DurableMap.Open(directory.Options());
        Assert.False(reopened.Store.Recovery.IsDamaged);
        Assert.Equal(0, reopened.Store.Recovery.TornTailBytes); // the partial record was cut off at once
        Assert.True(reopened.TryGet("before", out _));
        Assert.True(reopened.TryGet("after", out _));
        Assert.False(reopened.TryGet("during", out _)); // its caller was told; it never reached the disk
        Assert.Equal(2, reopened.Store.Recovery.LogRecords);
    }

    [Theory]
    [InlineData(DurabilityMode.Batched)]
    [InlineData(DurabilityMode.None)]
    public async Task In_a_mode_that_acknowledges_early_a_failed_write_faults_the_store_instead_of_losing_more(DurabilityMode mode)
    {
        using var directory = new StoreDirectory();
        var files = new FaultyFileSystem();
        DurableStoreOptions options = directory.Options(mode);
        options.FileSystem = files;
        await using DurableMap map = DurableMap.Open(options);
        files.WriteBudget = 0;
        await map.SetAsync("acknowledged", "then lost"u8); // completes before the write (the mode's contract)

        // The flusher's failure faults the store: from then on every append is refused at the call.
        TetherException refused = await WaitForFaultAsync(map);
        Assert.Equal(TetherErrorCode.StoreUnavailable, refused.Code);
        Assert.Contains("refuses writes", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<TetherException> WaitForFaultAsync(DurableMap map)
    {
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            try
            {
                await map.Store.AppendWrittenAsync("x"u8.ToArray());
            }
            catch (TetherException e) when (e.Message.Contains("refuses writes", StringComparison.Ordinal))
            {
                return e;
            }
            catch (TetherException)
            {
                // this append's own batch failed; the next one sees the fault
            }
        }

        throw new Xunit.Sdk.XunitException("The store never refused appends after its write failed.");
    }

    [Fact]
    public async Task Concurrent_writers_share_flushes_in_Always_mode()
    {
        using var directory = new StoreDirectory();
        const int Writers = 64;
        const int PerWriter = 50;
        await using (DurableMap map = DurableMap.Open(directory.Options()))
        {
            using var start = new ManualResetEventSlim();
            Task[] writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                start.Wait();
                for (int i = 0; i < PerWriter; i++)
                {
                    await map.SetAsync($"{w}/{i}", BitConverter.GetBytes(i));
                }
            })).ToArray();
            start.Set();
            await Task.WhenAll(writers);
            Assert.Equal(Writers * PerWriter, map.Store.RecordsAppended);
            Assert.True(map.Store.Flushes < map.Store.RecordsAppended, $"{map.Store.Flushes} flushes for {map.Store.RecordsAppended} records");
        }

        await using DurableMap reopened = DurableMap.Open(directory.Options());
        Assert.Equal(Writers * PerWriter, reopened.Count);
    }

    [Fact]
    public async Task Recovery_survives_random_damage_to_log_and_snapshot_and_keeps_only_true_values()
    {
        using var source = new StoreDirectory();
        await using (DurableMap map = DurableMap.Open(source.Options(segmentBytes: 4096)))
        {
            for (int i = 0; i < 300; i++)
            {
                await map.SetAsync($"k{i}", Encoding.UTF8.GetBytes($"v{i}"));
            }

            await map.Store.SnapshotAsync();
            for (int i = 300; i < 600; i++)
            {
                await map.SetAsync($"k{i}", Encoding.UTF8.GetBytes($"v{i}"));
            }
        }

        var random = new Random(20261203);
        for (int round = 0; round < 200; round++)
        {
            using StoreDirectory copy = source.Copy();
            string[] files = Directory.GetFiles(copy.Path).Where(f => !f.EndsWith("LOCK", StringComparison.Ordinal)).ToArray();
            for (int damage = random.Next(1, 4); damage > 0; damage--)
            {
                Damage(files[random.Next(files.Length)], random);
            }

            await using DurableMap map = DurableMap.Open(copy.Options(segmentBytes: 4096)); // never throws on damage
            Assert.All(map.Entries, e => Assert.Equal("v" + e.Key[1..], Encoding.UTF8.GetString(e.Value)));
            Assert.True(map.Store.Recovery.IsDamaged || map.Store.Recovery.TornTailBytes > 0 || map.Count == 600,
                $"round {round}: {map.Count} entries kept and nothing reported");
        }
    }

    private static void Damage(string file, Random random)
    {
        byte[] bytes = File.ReadAllBytes(file);
        if (bytes.Length == 0)
        {
            return;
        }

        switch (random.Next(4))
        {
            case 0: // flipped bits
                for (int i = random.Next(1, 8); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 1: // cut short
                bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
                break;
            case 2: // a run of garbage
                int at = random.Next(bytes.Length);
                random.NextBytes(bytes.AsSpan(at, Math.Min(bytes.Length - at, random.Next(1, 64))));
                break;
            default: // zeros, as from a page that never reached the disk
                int from = random.Next(bytes.Length);
                bytes.AsSpan(from, Math.Min(bytes.Length - from, 4096)).Clear();
                break;
        }

        File.WriteAllBytes(file, bytes);
    }
}
