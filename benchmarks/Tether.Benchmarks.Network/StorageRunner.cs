using System.Diagnostics;
using Tether.Sessions;
using Tether.Sessions.Durable;
using Tether.Storage;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--storage [DIR]</c>: the embedded durable engine on this machine's disk. First the disk's own flush rate (a
/// 64-byte write and an fsync, in a loop: what bounds <see cref="DurabilityMode.Always"/> with one writer); then
/// 100-byte records per second in each mode with 1 and 64 concurrent writers; then the session journal with
/// 1,000,000 sessions: cold start (recovery from a snapshot of 900,000 and a log of 100,000 more) and a snapshot of
/// all of them taken while a writer keeps saving tickets, with that writer's rate and worst wait beside it.
/// </summary>
public static class StorageRunner
{
    private const int Sessions = 1_000_000;

    public static async Task<int> RunAsync(string root)
    {
        Directory.CreateDirectory(root);
        Console.WriteLine($"storage benchmark in {root}");
        Console.WriteLine($"raw flush rate: {RawFlushRate(root, TimeSpan.FromSeconds(3)),10:N0} write+fsync/s");
        foreach ((DurabilityMode mode, int writers) in new[] { (DurabilityMode.Always, 1), (DurabilityMode.Always, 64), (DurabilityMode.Batched, 64), (DurabilityMode.None, 1), (DurabilityMode.None, 64) })
        {
            (double rate, long flushes) = await RecordsPerSecondAsync(root, mode, writers, TimeSpan.FromSeconds(3));
            Console.WriteLine($"{mode,-8} {writers,2} writers: {rate,12:N0} records/s ({flushes:N0} flushes)");
        }

        await SessionsAsync(root);
        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static double RawFlushRate(string root, TimeSpan window)
    {
        string path = Path.Combine(root, "flush-rate");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] record = new byte[64];
        long count = 0;
        long started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < window)
        {
            file.Write(record);
            file.Flush(flushToDisk: true);
            count++;
        }

        double rate = count / Stopwatch.GetElapsedTime(started).TotalSeconds;
        file.Dispose();
        File.Delete(path);
        return rate;
    }

    private sealed class NoState : IDurableState
    {
        public void Apply(ReadOnlySpan<byte> record)
        {
        }

        public void WriteSnapshot(SnapshotWriter writer)
        {
        }
    }

    private static async Task<(double Rate, long Flushes)> RecordsPerSecondAsync(string root, DurabilityMode mode, int writers, TimeSpan window)
    {
        string directory = Path.Combine(root, $"records-{mode}-{writers}");
        long appended = 0;
        long flushes;
        double seconds;
        await using (DurableStore store = DurableStore.Open(new DurableStoreOptions { Directory = directory, Durability = mode, SnapshotAfterBytes = 0 }, new NoState()))
        {
            byte[] record = new byte[100];
            long started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                long mine = 0;
                while (Stopwatch.GetElapsedTime(started) < window && mine < 50_000_000)
                {
                    await store.AppendAsync(record);
                    mine++;
                }

                Interlocked.Add(ref appended, mine);
            })));
            seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            flushes = store.Flushes;
        }

        Directory.Delete(directory, recursive: true);
        return (appended / seconds, flushes);
    }

    private static async Task SessionsAsync(string root)
    {
        string directory = Path.Combine(root, "sessions");
        var options = new DurableStoreOptions { Directory = directory, Durability = DurabilityMode.None, SnapshotAfterBytes = 0 };
        var services = new[] { new Capability("Orders", 1), new Capability("Prices", 2) };
        long started = Stopwatch.GetTimestamp();
        await using (SessionJournal journal = SessionJournal.Open(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            byte[] hash = new byte[32];
            for (int i = 0; i < Sessions; i++)
            {
                if (i == Sessions * 9 / 10)
                {
                    await journal.Store.SnapshotAsync(); // 900,000 in the snapshot, the rest in the log after it
                }

                Guid id = Guid.NewGuid();
                journal.Describe(new SessionContract(id, 3, "tcp", services, [], Resumable: true) { Durable = true }, subject: "user-" + (i % 1000), certificateHash: null);
                await journal.SaveAsync(new SessionTicket(id, hash, null, DateTimeOffset.UtcNow.AddHours(1)));
            }
        }

        Console.WriteLine($"wrote {Sessions:N0} sessions in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s; {DirectorySize(directory) / 1e6:F0} MB on disk");

        GC.Collect();
        started = Stopwatch.GetTimestamp();
        await using SessionJournal reopened = SessionJournal.Open(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        int recovered = reopened.TakeRecovered().Count;
        TimeSpan coldStart = Stopwatch.GetElapsedTime(started);
        RecoveryReport report = reopened.Store.Recovery;
        Console.WriteLine($"cold start: {recovered:N0} sessions in {coldStart.TotalSeconds:F2} s (reading and applying {report.SnapshotRecords:N0} snapshot and {report.LogRecords:N0} log records: {report.Duration.TotalSeconds:F2} s)");

        // A snapshot of all of them while a writer keeps saving tickets: how long it takes and what the writer sees meanwhile.
        using var stop = new CancellationTokenSource();
        long saves = 0;
        long worst = 0;
        long duringSaves = 0;
        bool snapshotting = false;
        Task writer = Task.Run(async () =>
        {
            byte[] hash = new byte[32];
            Guid id = Guid.NewGuid();
            reopened.Describe(new SessionContract(id, 3, "tcp", services, [], Resumable: true) { Durable = true }, null, null);
            while (!stop.IsCancellationRequested)
            {
                long t = Stopwatch.GetTimestamp();
                await reopened.SaveAsync(new SessionTicket(id, hash, null, DateTimeOffset.UtcNow.AddHours(1)));
                long waited = Stopwatch.GetTimestamp() - t;
                saves++;
                if (Volatile.Read(ref snapshotting))
                {
                    duringSaves++;
                    worst = Math.Max(worst, waited);
                }
            }
        });
        await Task.Delay(1000);
        long before = saves;
        Volatile.Write(ref snapshotting, true);
        TimeSpan pausedBefore = GC.GetTotalPauseDuration();
        started = Stopwatch.GetTimestamp();
        await reopened.Store.SnapshotAsync();
        TimeSpan snapshot = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref snapshotting, false);
        stop.Cancel();
        await writer;
        Console.WriteLine($"snapshot of {recovered + 1:N0} sessions: {snapshot.TotalSeconds:F2} s; a writer meanwhile: {duringSaves / snapshot.TotalSeconds:N0} saves/s (before it: {before:N0} in the first second), worst wait {worst * 1000.0 / Stopwatch.Frequency:F2} ms (the GC paused the process {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms in all meanwhile)");
    }

    private static long DirectorySize(string directory) => Directory.GetFiles(directory).Sum(static f => new FileInfo(f).Length);
}
