namespace Tether.Samples.Durable;

/// <summary>
/// The application's own durable state, kept the way docs/durability.md recommends for effects outside Tether: each
/// effect is one line that carries the delivery id it came from ("sequence value"), written and flushed to disk
/// together, so a message that a restarted server hands to the handler again finds its line and changes nothing.
/// One file per session: <c>DIR/SESSION.effects</c>.
/// </summary>
public sealed class Inbox(string directory)
{
    private readonly Dictionary<Guid, SessionEffects> _sessions = [];

    /// <summary>Applies <paramref name="value"/> for <paramref name="delivery"/> unless it was applied before; returns whether it was new.</summary>
    public bool Apply(DeliveryId delivery, long value)
    {
        SessionEffects effects;
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(delivery.SessionId, out effects!))
            {
                effects = new SessionEffects(Path.Combine(directory, delivery.SessionId.ToString("N") + ".effects"));
                _sessions[delivery.SessionId] = effects;
            }
        }

        return effects.Apply(delivery.Sequence, value);
    }

    /// <summary>The values applied for a session, in order (what the crash test compares).</summary>
    public static IReadOnlyList<long> Read(string file) =>
        [.. File.ReadAllLines(file).Where(static line => line.Length > 0).Select(static line => long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))];

    private sealed class SessionEffects
    {
        private readonly HashSet<ulong> _applied = [];
        private readonly FileStream _file;

        public SessionEffects(string path)
        {
            if (File.Exists(path))
            {
                // A crash may have cut the last line short: it was never applied (its flush never finished).
                byte[] bytes = File.ReadAllBytes(path);
                int whole = Array.LastIndexOf(bytes, (byte)'\n') + 1;
                foreach (string line in System.Text.Encoding.ASCII.GetString(bytes, 0, whole).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    _applied.Add(ulong.Parse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
                }

                _file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
                _file.SetLength(whole);
                _file.Position = whole;
            }
            else
            {
                _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            }
        }

        public bool Apply(ulong sequence, long value)
        {
            lock (_applied)
            {
                if (!_applied.Add(sequence))
                {
                    return false;
                }

                _file.Write(System.Text.Encoding.ASCII.GetBytes($"{sequence} {value}\n"));
                _file.Flush(flushToDisk: true);
                return true;
            }
        }
    }
}
