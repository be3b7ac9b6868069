namespace Tether.Samples.Durable;

/// <summary>
/// Reservations as an effect outside Tether: one line per handler run ("order amount"), written and flushed, so the
/// number of runs per order survives a kill. With idempotency keys the server answers a repeat from the kept result,
/// so a repeat adds no line. The file is <c>DIR/reservations.log</c>.
/// </summary>
public sealed class Reservations(string directory)
{
    private readonly Lock _gate = new();

    /// <summary>The file the runs are written to.</summary>
    public string Path { get; } = System.IO.Path.Combine(directory, "reservations.log");

    /// <summary>Records a run for <paramref name="order"/> and returns how many runs it has had, this one included.</summary>
    public int Run(long order, long amount)
    {
        lock (_gate)
        {
            using (var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"{order} {amount}\n")));
                file.Flush(flushToDisk: true);
            }

            return RunsOf(Path, order);
        }
    }

    /// <summary>The runs recorded for <paramref name="order"/> in <paramref name="file"/>.</summary>
    public static int RunsOf(string file, long order) =>
        File.Exists(file)
            ? File.ReadAllLines(file).Count(line => line.StartsWith(FormattableString.Invariant($"{order} "), StringComparison.Ordinal))
            : 0;
}
