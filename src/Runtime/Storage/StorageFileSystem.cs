using System.Runtime.InteropServices;

namespace Tether.Storage;

/// <summary>
/// The few file operations the store performs, behind one seam so tests can inject a full disk, a failed flush or a
/// refused rename where a real one cannot be arranged. <see cref="Physical"/> is the real thing.
/// </summary>
internal abstract partial class StorageFileSystem
{
    public static StorageFileSystem Physical { get; } = new PhysicalFileSystem();

    public abstract void CreateDirectory(string path);

    public abstract IEnumerable<string> EnumerateFiles(string directory, string pattern);

    /// <summary>Creates (or replaces) <paramref name="path"/> for writing from its start.</summary>
    public abstract StorageFile Create(string path);

    public abstract byte[] ReadAllBytes(string path);

    public abstract long LengthOf(string path);

    /// <summary>Cuts <paramref name="path"/> to <paramref name="length"/> bytes and flushes that to disk.</summary>
    public abstract void Truncate(string path, long length);

    /// <summary>Replaces <paramref name="destination"/> with <paramref name="source"/> atomically (rename(2)).</summary>
    public abstract void Rename(string source, string destination);

    public abstract void Delete(string path);

    /// <summary>Makes the directory's entries (creations, renames, deletions) durable.</summary>
    public abstract void FlushDirectory(string directory);

    /// <summary>Takes the directory's lock file exclusively; throws <see cref="IOException"/> when another holder has it.</summary>
    public abstract IDisposable Lock(string path);

    private sealed class PhysicalFileSystem : StorageFileSystem
    {
        public override void CreateDirectory(string path) => Directory.CreateDirectory(path);

        public override IEnumerable<string> EnumerateFiles(string directory, string pattern) => Directory.EnumerateFiles(directory, pattern);

        public override StorageFile Create(string path) =>
            new PhysicalFile(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));

        public override byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

        public override long LengthOf(string path) => new FileInfo(path).Length;

        public override void Truncate(string path, long length)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);
            stream.SetLength(length);
            stream.Flush(flushToDisk: true);
        }

        public override void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

        public override void Delete(string path) => File.Delete(path);

        public override void FlushDirectory(string directory)
        {
            // A rename or a new file is durable only once its directory is flushed; .NET has no API for that, so
            // fsync(2) an O_RDONLY descriptor of the directory. Windows journals directory metadata itself.
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            int fd = Native.Open(directory, 0);
            if (fd < 0)
            {
                throw new IOException($"Cannot open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
            }

            try
            {
                if (Native.Fsync(fd) != 0)
                {
                    throw new IOException($"Flushing directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
                }
            }
            finally
            {
                _ = Native.Close(fd);
            }
        }

        public override IDisposable Lock(string path)
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: a second process, or a second store in this one, is refused.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n"));
            stream.Flush();
            return stream;
        }
    }

    private sealed class PhysicalFile(FileStream stream) : StorageFile
    {
        public override long Length => stream.Length;

        public override void Write(ReadOnlySpan<byte> data) => stream.Write(data);

        public override void Flush(bool toDisk) => stream.Flush(toDisk);

        public override void SetLength(long length) => stream.SetLength(length);

        public override void Dispose() => stream.Dispose();
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}

/// <summary>A file the store appends to; writes go straight to the OS (the store batches them itself).</summary>
internal abstract class StorageFile : IDisposable
{
    public abstract long Length { get; }

    public abstract void Write(ReadOnlySpan<byte> data);

    /// <summary>Hands written bytes to the OS, and with <paramref name="toDisk"/> waits until they are on the device (fsync).</summary>
    public abstract void Flush(bool toDisk);

    public abstract void SetLength(long length);

    public abstract void Dispose();
}
