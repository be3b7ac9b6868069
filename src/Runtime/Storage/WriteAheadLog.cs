using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Tether.Storage;

/// <summary>
/// The append side of the log: records framed with their checksum, gathered in memory and written by one flusher,
/// so that every appender of a batch shares one write and one flush to disk (group commit); segments rotate at a
/// size; <see cref="RollAsync"/> starts a new segment at a point a snapshot can cover up to.
/// </summary>
/// <remarks>
/// Appenders only copy their record into the pending buffer under a short lock; the flusher swaps that buffer for
/// an empty one and writes outside the lock, so appends go on while a flush waits for the disk. A failed write cuts
/// the segment back to where the batch began and fails that batch's appends with
/// <see cref="TetherErrorCode.StoreUnavailable"/>; in <see cref="DurabilityMode.Always"/> the log stays usable (a full
/// disk fails the calls that hit it), in the other modes the batch had been acknowledged already, so the log faults
/// and refuses every later append rather than lose more quietly.
/// </remarks>
internal sealed class WriteAheadLog : IAsyncDisposable
{
    public const int SegmentHeaderSize = 16;
    public const int FormatVersion = 1;
    public const string SegmentSuffix = ".tlog";

    private readonly DurableStoreOptions _options;
    private readonly StorageFileSystem _files;
    private readonly string _directory;
    private readonly Action<TetherException>? _failed;
    private readonly Action? _grown;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Task _flusher;

    // Guarded by _gate.
    private byte[] _pending;
    private int _pendingLength;
    private TaskCompletionSource? _written; // appenders waiting for the pending records to reach the OS
    private TaskCompletionSource? _durable; // appenders waiting for them to reach the disk
    private TaskCompletionSource<long>? _roll;
    private bool _flushScheduled;
    private bool _stopping;
    private TetherException? _fault;

    // Owned by the flusher.
    private byte[] _writing;
    private StorageFile _segment;
    private long _segmentLength;
    private bool _unsynced; // Batched: written, waiting for the next flush to disk
    private long _lastSync;

    public WriteAheadLog(DurableStoreOptions options, StorageFileSystem files, long firstSegment, Action<TetherException>? failed, Action? grown)
    {
        _options = options;
        _files = files;
        _directory = options.Directory;
        _failed = failed;
        _grown = grown;
        _pending = ArrayPool<byte>.Shared.Rent(64 * 1024);
        _writing = ArrayPool<byte>.Shared.Rent(64 * 1024);
        SegmentIndex = firstSegment;
        _segment = OpenSegment(firstSegment);
        _flusher = Task.Run(FlushLoopAsync);
    }

    /// <summary>The segment appends go to now.</summary>
    public long SegmentIndex { get; private set; }

    private long _bytesSinceRoll; // written since the last roll: what a snapshot would let go

    /// <summary>Records appended since the log was opened.</summary>
    public long RecordsAppended => Volatile.Read(ref _recordsAppended);

    private long _recordsAppended;

    /// <summary>Flushes to disk since the log was opened (fewer than appends when writers share them).</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    private long _flushes;

    public static string SegmentPath(string directory, long index) =>
        Path.Combine(directory, index.ToString("D12", CultureInfo.InvariantCulture) + SegmentSuffix);

    public static bool TryParseSegment(string path, out long index) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out index)
        && path.EndsWith(SegmentSuffix, StringComparison.Ordinal);

    public static void WriteSegmentHeader(Span<byte> destination, long index)
    {
        "TLOG"u8.CopyTo(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], index);
    }

    public static bool IsSegmentHeader(ReadOnlySpan<byte> header, long index) =>
        header.Length >= SegmentHeaderSize && header.StartsWith("TLOG"u8)
        && BinaryPrimitives.ReadInt32LittleEndian(header[4..]) == FormatVersion
        && BinaryPrimitives.ReadInt64LittleEndian(header[8..]) == index;

    /// <summary>Appends one record; the task completes when <see cref="DurableStoreOptions.Durability"/> says it is done.</summary>
    /// <param name="payload">The record.</param>
    /// <param name="untilWritten">
    /// Also wait, in <see cref="DurabilityMode.Batched"/> and <see cref="DurabilityMode.None"/>, until the record is
    /// written to the operating system (it then survives the process being killed). In <see cref="DurabilityMode.Always"/>
    /// the wait is for the disk anyway.
    /// </param>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.StoreUnavailable"/>: the log faulted earlier, or (from the task) this record's write failed.</exception>
    public ValueTask AppendAsync(ReadOnlySpan<byte> payload, bool untilWritten = false)
    {
        if (payload.Length > RecordFraming.MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), $"A record holds at most {RecordFraming.MaxPayload} bytes.");
        }

        Task? wait = null;
        lock (_gate)
        {
            ThrowIfUnusable();
            int size = RecordFraming.SizeOf(payload.Length);
            if (_pending.Length - _pendingLength < size)
            {
                Grow(ref _pending, _pendingLength, _pendingLength + size);
            }

            RecordFraming.Write(_pending.AsSpan(_pendingLength, size), payload);
            _pendingLength += size;
            if (_options.Durability == DurabilityMode.Always)
            {
                wait = (_durable ??= NewWaiter()).Task;
            }
            else if (untilWritten || _pendingLength > _options.MaxPendingBytes)
            {
                wait = (_written ??= NewWaiter()).Task; // backpressure too: memory stays bounded when the disk is slow
            }

            Schedule();
        }

        return wait is null ? default : new ValueTask(wait);
    }

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Closes the current segment after the records appended so far and starts the next; the result is the new
    /// segment's index: every record appended before this call is in an earlier segment.
    /// </summary>
    public Task<long> RollAsync()
    {
        lock (_gate)
        {
            ThrowIfUnusable();
            _roll ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Schedule();
            return _roll.Task;
        }
    }

    /// <summary>Writes and flushes what is pending, closes the segment and stops the flusher.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            _flushScheduled = true;
            _signal.Release();
        }

        await _flusher.ConfigureAwait(false);
        try
        {
            if (_options.Durability != DurabilityMode.None && _fault is null)
            {
                _segment.Flush(toDisk: true);
            }
        }
        catch (IOException)
        {
            // Closing: the records were acknowledged per the mode already; nothing left to report to.
        }
        finally
        {
            _segment.Dispose();
            ArrayPool<byte>.Shared.Return(_pending);
            ArrayPool<byte>.Shared.Return(_writing);
        }
    }

    private void ThrowIfUnusable()
    {
        if (_fault is not null)
        {
            throw new TetherException(TetherErrorCode.StoreUnavailable, $"The store refuses writes since an earlier write failed: {_fault.Message}", _fault);
        }

        ObjectDisposedException.ThrowIf(_stopping, this);
    }

    private void Schedule()
    {
        if (!_flushScheduled)
        {
            _flushScheduled = true;
            _signal.Release();
        }
    }

    private static void Grow(ref byte[] buffer, int used, int needed)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = larger;
    }

    private async Task FlushLoopAsync()
    {
        _lastSync = Environment.TickCount64;
        while (true)
        {
            if (!_unsynced)
            {
                await _signal.WaitAsync().ConfigureAwait(false);
            }
            else
            {
                // Batched: written records wait at most the interval for their flush to disk.
                long remaining = _lastSync + (long)_options.BatchInterval.TotalMilliseconds - Environment.TickCount64;
                if (remaining > 0 && await _signal.WaitAsync(TimeSpan.FromMilliseconds(remaining)).ConfigureAwait(false))
                {
                    // More to write first; the flush stays due.
                }
            }

            int length;
            TaskCompletionSource? written;
            TaskCompletionSource? durable;
            TaskCompletionSource<long>? roll;
            bool stop;
            lock (_gate)
            {
                (_pending, _writing) = (_writing, _pending);
                length = _pendingLength;
                _pendingLength = 0;
                written = _written;
                _written = null;
                durable = _durable;
                _durable = null;
                roll = _roll;
                _roll = null;
                _flushScheduled = false;
                stop = _stopping;
            }

            WriteBatch(length, written, durable, roll, stop);
            if (stop)
            {
                return;
            }
        }
    }

    private void WriteBatch(int length, TaskCompletionSource? written, TaskCompletionSource? durable, TaskCompletionSource<long>? roll, bool stopping)
    {
        long before = _segmentLength;
        try
        {
            if (length > 0)
            {
                _segment.Write(_writing.AsSpan(0, length));
                _segmentLength += length;
                Interlocked.Add(ref _bytesSinceRoll, length);
                Interlocked.Add(ref _recordsAppended, CountRecords(_writing.AsSpan(0, length)));
            }

            written?.TrySetResult();
            switch (_options.Durability)
            {
                case DurabilityMode.Always when length > 0:
                    Sync();
                    break;
                case DurabilityMode.Batched when length > 0 || _unsynced:
                    _unsynced = true;
                    if (stopping || roll is not null || Environment.TickCount64 - _lastSync >= (long)_options.BatchInterval.TotalMilliseconds)
                    {
                        Sync();
                        _unsynced = false;
                    }

                    break;
            }

            if (roll is not null || _segmentLength >= _options.SegmentBytes)
            {
                Rotate(roll is not null);
            }

            durable?.TrySetResult();
            roll?.TrySetResult(SegmentIndex);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var error = new TetherException(TetherErrorCode.StoreUnavailable,
                $"Writing log segment {SegmentPath(_directory, SegmentIndex)} failed: {e.Message}", e);
            // Always: nothing of this batch was acknowledged, so cutting it off leaves the log as its appenders were told.
            // Otherwise records were acknowledged (or written and then not flushed): refuse everything from now on.
            bool intact = _options.Durability == DurabilityMode.Always && TryCut(before);
            if (!intact)
            {
                lock (_gate)
                {
                    _fault ??= error;
                }
            }

            written?.TrySetException(error);
            durable?.TrySetException(error);
            roll?.TrySetException(error);
            _failed?.Invoke(error);
        }

        if (_options.SnapshotAfterBytes > 0 && Volatile.Read(ref _bytesSinceRoll) >= _options.SnapshotAfterBytes)
        {
            _grown?.Invoke();
        }
    }

    private void Sync()
    {
        _segment.Flush(toDisk: true);
        _lastSync = Environment.TickCount64;
        Interlocked.Increment(ref _flushes);
    }

    private static int CountRecords(ReadOnlySpan<byte> batch)
    {
        int count = 0;
        while (batch.Length >= RecordFraming.HeaderSize)
        {
            batch = batch[RecordFraming.SizeOf(BinaryPrimitives.ReadInt32LittleEndian(batch))..];
            count++;
        }

        return count;
    }

    private bool TryCut(long length)
    {
        try
        {
            _segment.SetLength(length);
            _segmentLength = length;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Rotate(bool rolled)
    {
        // A segment is closed durably in every mode: a snapshot may delete what it replaces.
        _segment.Flush(toDisk: true);

        StorageFile next = OpenSegment(SegmentIndex + 1);
        _segment.Dispose();
        _segment = next;
        SegmentIndex++;
        if (rolled)
        {
            Interlocked.Exchange(ref _bytesSinceRoll, 0);
        }
    }

    private StorageFile OpenSegment(long index)
    {
        StorageFile file = _files.Create(SegmentPath(_directory, index));
        try
        {
            Span<byte> header = stackalloc byte[SegmentHeaderSize];
            WriteSegmentHeader(header, index);
            file.Write(header);
            file.Flush(toDisk: true);
            _files.FlushDirectory(_directory);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _segmentLength = SegmentHeaderSize;
        return file;
    }
}
