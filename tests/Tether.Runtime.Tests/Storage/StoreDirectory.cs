using Tether.Storage;

namespace Tether.Runtime.Tests.Storage;

/// <summary>A fresh directory under the temp path for one test, deleted afterwards, and helpers to open stores in it.</summary>
internal sealed class StoreDirectory : IDisposable
{
    public StoreDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tether-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public DurableStoreOptions Options(DurabilityMode durability = DurabilityMode.Always, long segmentBytes = 64L * 1024 * 1024) => new()
    {
        Directory = Path,
        Durability = durability,
        SegmentBytes = segmentBytes,
        SnapshotAfterBytes = 0,
    };

    public string[] Segments() => Directory.GetFiles(Path, "*.tlog").Order(StringComparer.Ordinal).ToArray();

    /// <summary>A copy of the directory (without its lock), to damage one way per case.</summary>
    public StoreDirectory Copy()
    {
        var copy = new StoreDirectory();
        foreach (string file in Directory.GetFiles(Path))
        {
            if (System.IO.Path.GetFileName(file) != "LOCK")
            {
                File.Copy(file, System.IO.Path.Combine(copy.Path, System.IO.Path.GetFileName(file)));
            }
        }

        return copy;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A test that failed may still hold a file; the temp directory is cleaned by the OS eventually.
        }
    }
}

/// <summary>
/// The real file system with faults switched on by the test: writes fail once a byte budget is spent (a full disk),
/// flushes or renames fail on demand.
/// </summary>
internal sealed class FaultyFileSystem : StorageFileSystem
{
    private readonly StorageFileSystem _real = Physical;
    private long _writeBudget = long.MaxValue;

    /// <summary>Bytes that may still be written before writes fail with "no space left".</summary>
    public long WriteBudget
    {
        get => Interlocked.Read(ref _writeBudget);
        set => Interlocked.Exchange(ref _writeBudget, value);
    }

    public bool FailRenames { get; set; }

    public bool FailSnapshots { get; set; }

    public override void CreateDirectory(string path) => _real.CreateDirectory(path);

    public override IEnumerable<string> EnumerateFiles(string directory, string pattern) => _real.EnumerateFiles(directory, pattern);

    public override StorageFile Create(string path)
    {
        if (FailSnapshots && path.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return new FailingFile(_real.Create(path), this, failAfter: 100);
        }

        return new FailingFile(_real.Create(path), this, failAfter: -1);
    }

    public override byte[] ReadAllBytes(string path) => _real.ReadAllBytes(path);

    public override long LengthOf(string path) => _real.LengthOf(path);

    public override void Truncate(string path, long length) => _real.Truncate(path, length);

    public override void Rename(string source, string destination)
    {
        if (FailRenames)
        {
            throw new IOException("Injected: rename failed.");
        }

        _real.Rename(source, destination);
    }

    public override void Delete(string path) => _real.Delete(path);

    public override void FlushDirectory(string directory) => _real.FlushDirectory(directory);

    public override IDisposable Lock(string path) => _real.Lock(path);

    private sealed class FailingFile(StorageFile inner, FaultyFileSystem owner, long failAfter) : StorageFile
    {
        private long _written;

        public override long Length => inner.Length;

        public override void Write(ReadOnlySpan<byte> data)
        {
            _written += data.Length;
            if (failAfter >= 0 && _written > failAfter)
            {
                throw new IOException("Injected: the snapshot write failed.");
            }

            long budget = owner.WriteBudget;
            if (budget < data.Length)
            {
                // A full disk takes what fits, then fails: the store must cut the partial record off.
                if (budget > 0)
                {
                    inner.Write(data[..(int)budget]);
                    owner.WriteBudget = 0;
                }

                throw new IOException("Injected: no space left on device.");
            }

            owner.WriteBudget = budget - data.Length;
            inner.Write(data);
        }

        public override void Flush(bool toDisk) => inner.Flush(toDisk);

        public override void SetLength(long length) => inner.SetLength(length);

        public override void Dispose() => inner.Dispose();
    }
}
