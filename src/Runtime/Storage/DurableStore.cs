using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tether.Storage;

/// <summary>
/// The embedded durable engine (SPEC R4.7): an append-only log of checksummed records in rotating segments with group
/// commit, snapshots that let old segments go, and recovery from the newest snapshot plus the log. The session store,
/// the API-key store and the idempotency results all run on it. One store per directory, enforced by a lock file.
/// </summary>
/// <remarks>
/// Opening recovers: the owner's <see cref="IDurableState.Apply"/> sees every intact record, a torn tail is cut, and
/// damage is reported in <see cref="Recovery"/> (and logged) while the store opens with what is intact; a snapshot of
/// that state is then written at once, so the damaged files (renamed aside) are never read again.
/// </remarks>
public sealed class DurableStore : IAsyncDisposable
{
    private const string LockFileName = "LOCK";
    private readonly DurableStoreOptions _options;
    private readonly StorageFileSystem _files;
    private readonly IDurableState _state;
    private readonly ILogger _logger;
    private readonly IDisposable _lock;
    private readonly WriteAheadLog _log;
    private readonly SemaphoreSlim _snapshotGate = new(1, 1);
    private Task _backgroundSnapshot = Task.CompletedTask;
    private int _backgroundRunning;
    private int _disposed;

    private DurableStore(DurableStoreOptions options, StorageFileSystem files, IDurableState state, ILogger logger, IDisposable directoryLock, RecoveryReport recovery, long nextSegment)
    {
        _options = options;
        _files = files;
        _state = state;
        _logger = logger;
        _lock = directoryLock;
        Recovery = recovery;
        _log = new WriteAheadLog(options, files, nextSegment, error => StorageLog.WriteFailed(logger, options.Directory, error), SnapshotInBackground);
    }

    /// <summary>What recovery found when the store opened.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>The durability mode appends follow.</summary>
    public DurabilityMode Durability => _options.Durability;

    /// <summary>The store's directory.</summary>
    public string Directory => _options.Directory;

    /// <summary>Records appended since the store opened.</summary>
    public long RecordsAppended => _log.RecordsAppended;

    /// <summary>Flushes to disk since the store opened (fewer than <see cref="RecordsAppended"/> when appenders share them).</summary>
    public long Flushes => _log.Flushes;

    /// <summary>Snapshots written since the store opened.</summary>
    public int Snapshots => Volatile.Read(ref _snapshots);

    private int _snapshots;

    /// <summary>Locks <see cref="DurableStoreOptions.Directory"/>, recovers <paramref name="state"/> from it, and opens the log for appends.</summary>
    /// <exception cref="TetherException">
    /// <see cref="TetherErrorCode.StoreLocked"/> when another store holds the directory;
    /// <see cref="TetherErrorCode.StoreUnavailable"/> when it cannot be created, read or written.
    /// Damage is not an exception: it is in <see cref="Recovery"/>.
    /// </exception>
    public static DurableStore Open(DurableStoreOptions options, IDurableState state, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        if (options.BatchInterval < TimeSpan.FromMilliseconds(1) || options.BatchInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchInterval, "BatchInterval must be between 1 ms and 1 minute.");
        }

        StorageFileSystem files = options.FileSystem ?? StorageFileSystem.Physical;
        logger ??= NullLogger.Instance;
        string directory = options.Directory;
        IDisposable directoryLock;
        try
        {
            files.CreateDirectory(directory);
            directoryLock = files.Lock(Path.Combine(directory, LockFileName));
        }
        catch (IOException e) when (e is not DirectoryNotFoundException && System.IO.Directory.Exists(directory) && IsLockConflict(e))
        {
            throw new TetherException(TetherErrorCode.StoreLocked, $"The data directory {directory} is in use by another store (its LOCK file is held); two servers never share one directory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(directory, e);
        }

        try
        {
            (RecoveryReport report, long next) = LogRecovery.Run(files, directory, state, logger);
            var store = new DurableStore(options, files, state, logger, directoryLock, report, next);
            if (report.IsDamaged)
            {
                // Persist the intact state now: the damaged files were renamed aside and must not be needed again.
                store.SnapshotAsync().GetAwaiter().GetResult();
            }

            return store;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            directoryLock.Dispose();
            throw Unavailable(directory, e);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record; the task completes as <see cref="Durability"/> says (in <see cref="DurabilityMode.Always"/>, once it is on disk).</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.StoreUnavailable"/>: the write failed (disk full, I/O error), now or earlier in a mode that had acknowledged it.</exception>
    public ValueTask AppendAsync(ReadOnlySpan<byte> record) => _log.AppendAsync(record);

    /// <summary>As <see cref="AppendAsync(ReadOnlySpan{byte})"/>, but in every mode the task also waits until the record is written to the operating system (so it survives the process being killed).</summary>
    internal ValueTask AppendWrittenAsync(ReadOnlySpan<byte> record) => _log.AppendAsync(record, untilWritten: true);

    /// <summary>
    /// Writes a snapshot of the state (while appends go on), then deletes the log segments and snapshots it replaces.
    /// One runs at a time; a snapshot that fails leaves the previous one and the log in use.
    /// </summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.StoreUnavailable"/>: it could not be written.</exception>
    public async Task SnapshotAsync(CancellationToken cancellationToken = default)
    {
        await _snapshotGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long started = Stopwatch.GetTimestamp();
            long firstSegment = await _log.RollAsync().ConfigureAwait(false);
            long records = await Task.Run(() => SnapshotFile.Write(_files, Directory, firstSegment, _state), cancellationToken).ConfigureAwait(false);
            DeleteCovered(firstSegment);
            Interlocked.Increment(ref _snapshots);
            StorageLog.SnapshotWritten(_logger, Directory, records, Stopwatch.GetElapsedTime(started).TotalMilliseconds, firstSegment);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(Directory, e);
        }
        finally
        {
            _snapshotGate.Release();
        }
    }

    /// <summary>Waits for a running snapshot, writes what is pending to disk, and releases the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _backgroundSnapshot.ConfigureAwait(false);
        await _snapshotGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private void DeleteCovered(long firstSegment)
    {
        foreach (string path in _files.EnumerateFiles(Directory, "*" + WriteAheadLog.SegmentSuffix))
        {
            if (WriteAheadLog.TryParseSegment(path, out long index) && index < firstSegment)
            {
                _files.Delete(path);
            }
        }

        foreach (string path in _files.EnumerateFiles(Directory, "*" + SnapshotFile.Suffix))
        {
            if (SnapshotFile.TryParse(path, out long covers) && covers < firstSegment)
            {
                _files.Delete(path);
            }
        }

        _files.FlushDirectory(Directory);
    }

    private void SnapshotInBackground()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _backgroundRunning, 1, 0) != 0)
        {
            return;
        }

        _backgroundSnapshot = Task.Run(async () =>
        {
            try
            {
                await SnapshotAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is TetherException or ObjectDisposedException)
            {
                StorageLog.SnapshotFailed(_logger, Directory, e);
            }
            finally
            {
                Volatile.Write(ref _backgroundRunning, 0);
            }
        });
    }

    private static bool IsLockConflict(IOException e) =>
        // EWOULDBLOCK from flock(2), surfaced by FileStream as a sharing violation.
        e.HResult is 11 or 35 or unchecked((int)0x80070020) || e.Message.Contains("used by another process", StringComparison.OrdinalIgnoreCase);

    private static TetherException Unavailable(string directory, Exception e) =>
        new(TetherErrorCode.StoreUnavailable, $"The data directory {directory} cannot be used: {e.Message}", e);
}
