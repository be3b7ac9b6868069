using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Tether.Storage;

/// <summary>
/// A snapshot on disk: a header naming the first log segment it does not cover, the owner's records (each framed and
/// checksummed like a log record, tagged 1), and an end record (tag 2) with their count. A snapshot is written to a
/// temporary file, flushed, and renamed into place, so a crash while writing leaves the previous one untouched; one
/// without its end record was damaged later and is read as far as it is intact.
/// </summary>
internal static class SnapshotFile
{
    public const string Suffix = ".tsnap";
    public const string TemporarySuffix = ".tsnap.tmp";
    private const int HeaderSize = 16;
    private const byte RecordTag = 1;
    private const byte EndTag = 2;

    public static string PathFor(string directory, long firstSegment) =>
        Path.Combine(directory, "snapshot-" + firstSegment.ToString("D12", CultureInfo.InvariantCulture) + Suffix);

    public static bool TryParse(string path, out long firstSegment)
    {
        firstSegment = 0;
        string name = Path.GetFileName(path);
        return name.StartsWith("snapshot-", StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan("snapshot-".Length, name.Length - "snapshot-".Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out firstSegment);
    }

    /// <summary>Writes a snapshot of <paramref name="state"/> that covers the log before <paramref name="firstSegment"/>, and renames it into place.</summary>
    public static long Write(StorageFileSystem files, string directory, long firstSegment, IDurableState state)
    {
        string final = PathFor(directory, firstSegment);
        string temporary = final[..^Suffix.Length] + TemporarySuffix;
        long count;
        using (StorageFile file = files.Create(temporary))
        {
            using var writer = new SnapshotWriter(file);
            Span<byte> header = stackalloc byte[HeaderSize];
            "TSNP"u8.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], WriteAheadLog.FormatVersion);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], firstSegment);
            writer.WriteRaw(header);
            state.WriteSnapshot(writer);
            count = writer.Count;
            Span<byte> end = stackalloc byte[9];
            end[0] = EndTag;
            BinaryPrimitives.WriteInt64LittleEndian(end[1..], count);
            writer.WriteFramed(end);
            writer.Complete();
            file.Flush(toDisk: true);
        }

        files.Rename(temporary, final);
        files.FlushDirectory(directory);
        return count;
    }

    /// <summary>Reads a snapshot, applying its records to <paramref name="state"/> as far as they are intact.</summary>
    /// <returns>Records applied; <paramref name="damage"/> says what was not, when the file is damaged.</returns>
    public static long Read(byte[] bytes, string path, long firstSegment, IDurableState state, out StoreDamage? damage)
    {
        damage = null;
        if (bytes.Length < HeaderSize || !bytes.AsSpan().StartsWith("TSNP"u8)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) != WriteAheadLog.FormatVersion
            || BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)) != firstSegment)
        {
            damage = new StoreDamage(path, 0, bytes.Length, "the snapshot's header is damaged");
            return 0;
        }

        long applied = 0;
        int offset = HeaderSize;
        while (true)
        {
            RecordFraming.ReadResult result = RecordFraming.TryRead(bytes.AsSpan(offset), out ReadOnlySpan<byte> payload, out int size);
            if (result != RecordFraming.ReadResult.Record || payload.IsEmpty)
            {
                damage = new StoreDamage(path, offset, bytes.Length - offset,
                    result == RecordFraming.ReadResult.Incomplete ? "the snapshot ends without its end record" : "a snapshot record fails its checksum");
                return applied;
            }

            if (payload[0] == EndTag)
            {
                if (payload.Length != 9 || BinaryPrimitives.ReadInt64LittleEndian(payload[1..]) != applied || offset + size != bytes.Length)
                {
                    damage = new StoreDamage(path, offset, bytes.Length - offset, "the snapshot's end record does not match its contents");
                }

                return applied;
            }

            if (payload[0] != RecordTag)
            {
                damage = new StoreDamage(path, offset, bytes.Length - offset, "a snapshot record has an unknown tag");
                return applied;
            }

            state.Apply(payload[1..]);
            applied++;
            offset += size;
        }
    }

    /// <summary>Deletes temporary files a crash during a snapshot left behind.</summary>
    public static void DeleteTemporaries(StorageFileSystem files, string directory)
    {
        foreach (string leftover in files.EnumerateFiles(directory, "*" + TemporarySuffix))
        {
            files.Delete(leftover);
        }
    }
}

/// <summary>Takes one snapshot record (only during the call).</summary>
internal delegate void SnapshotSink(ReadOnlySpan<byte> record);

/// <summary>Receives the records of a snapshot from <see cref="IDurableState.WriteSnapshot"/>; buffered, written in large blocks.</summary>
public sealed class SnapshotWriter : IDisposable
{
    private const int BlockSize = 1024 * 1024;
    private readonly StorageFile? _file;
    private readonly SnapshotSink? _sink;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int _used;
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(4096);

    internal SnapshotWriter(StorageFile file)
    {
        _file = file;
    }

    /// <summary>A writer that hands each record to <paramref name="sink"/> (a shared journal compacting one session).</summary>
    internal SnapshotWriter(SnapshotSink sink)
    {
        _sink = sink;
        _buffer = [];
        _scratch = [];
    }

    /// <summary>Records written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one record: replayed through <see cref="IDurableState.Apply"/> when the store opens.</summary>
    public void Write(ReadOnlySpan<byte> record)
    {
        if (_sink is not null)
        {
            _sink(record);
            Count++;
            return;
        }

        int size = record.Length + 1;
        if (_scratch.Length < size)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(size);
        }

        _scratch[0] = 1;
        record.CopyTo(_scratch.AsSpan(1));
        WriteFramed(_scratch.AsSpan(0, size));
        Count++;
    }

    internal void WriteFramed(ReadOnlySpan<byte> payload)
    {
        int size = RecordFraming.SizeOf(payload.Length);
        if (size > _buffer.Length - _used)
        {
            Drain();
            if (size > _buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(size);
            }
        }

        RecordFraming.Write(_buffer.AsSpan(_used, size), payload);
        _used += size;
    }

    internal void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Drain();
        _file!.Write(bytes);
    }

    internal void Complete() => Drain();

    private void Drain()
    {
        if (_used > 0)
        {
            _file!.Write(_buffer.AsSpan(0, _used));
            _used = 0;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            ArrayPool<byte>.Shared.Return(_scratch);
            _buffer = [];
            _scratch = [];
        }
    }
}
