using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Tether;

/// <summary>
/// Metadata sent with a call (request metadata) or with its answer (trailing metadata): keys with text or binary
/// values, carried in the call headers (<c>docs/wire-format.md</c> §6.9). Keys are 1–128 characters of
/// <c>a–z</c>, <c>0–9</c>, <c>-</c>, <c>_</c> and <c>.</c>; each key appears once.
/// </summary>
/// <remarks>
/// The receiver enforces its limits (<see cref="TetherConnectionOptions.MaxCallHeaderBytes"/>,
/// <see cref="TetherConnectionOptions.MaxMetadataEntries"/>); a call whose headers exceed them is refused with
/// <see cref="TetherErrorCode.CallHeadersTooLarge"/>. Metadata received is read-only.
/// </remarks>
public sealed class CallMetadata : IReadOnlyList<CallMetadataEntry>
{
    /// <summary>The longest key, in characters (ASCII, so also in bytes).</summary>
    public const int MaxKeyLength = 128;

    /// <summary>
    /// The trailing-metadata key of a <see cref="TetherErrorCode.RateLimited"/> refusal that says how long to wait, in
    /// milliseconds (decimal text); the client exposes it as <see cref="TetherException.RetryAfter"/>.
    /// </summary>
    public const string RetryAfterKey = "tether-retry-after-ms";

    private readonly List<CallMetadataEntry> _entries;

    /// <summary>Creates empty, writable metadata.</summary>
    public CallMetadata() => _entries = [];

    private CallMetadata(List<CallMetadataEntry> entries, bool readOnly)
    {
        _entries = entries;
        IsReadOnly = readOnly;
    }

    /// <summary>Metadata with no entries that cannot be changed (what a call without metadata reads).</summary>
    public static CallMetadata Empty { get; } = new([], readOnly: true);

    /// <summary>True for metadata received from the peer (and <see cref="Empty"/>): it cannot be changed.</summary>
    public bool IsReadOnly { get; private set; }

    /// <inheritdoc />
    public int Count => _entries.Count;

    /// <inheritdoc />
    public CallMetadataEntry this[int index] => _entries[index];

    /// <summary>Adds a text entry.</summary>
    /// <exception cref="ArgumentException">The key is invalid or already present.</exception>
    /// <exception cref="InvalidOperationException">The metadata is read-only.</exception>
    public void Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        AddChecked(key, value, default);
    }

    /// <summary>Adds a binary entry.</summary>
    /// <exception cref="ArgumentException">The key is invalid or already present.</exception>
    /// <exception cref="InvalidOperationException">The metadata is read-only.</exception>
    public void Add(string key, ReadOnlyMemory<byte> value) => AddChecked(key, null, value);

    /// <summary>Sets a text entry, replacing any entry with the same key.</summary>
    public void Set(string key, string value)
    {
        Remove(key);
        Add(key, value);
    }

    /// <summary>Removes the entry with <paramref name="key"/>; false when there is none.</summary>
    /// <exception cref="InvalidOperationException">The metadata is read-only.</exception>
    public bool Remove(string key)
    {
        ThrowIfReadOnly();
        int index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        _entries.RemoveAt(index);
        return true;
    }

    /// <summary>A writable copy of these entries (e.g. of metadata received, to change and pass on).</summary>
    public CallMetadata Copy() => new([.. _entries], readOnly: false);

    /// <summary>Whether an entry has <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <summary>The entry with <paramref name="key"/>, if there is one.</summary>
    public bool TryGetEntry(string key, out CallMetadataEntry entry)
    {
        int index = IndexOf(key);
        entry = index >= 0 ? _entries[index] : default;
        return index >= 0;
    }

    /// <summary>The text value of <paramref name="key"/>; null when absent or binary.</summary>
    public string? GetString(string key) => TryGetEntry(key, out CallMetadataEntry entry) ? entry.Text : null;

    /// <summary>The binary value of <paramref name="key"/>; null when absent or text.</summary>
    public ReadOnlyMemory<byte>? GetBytes(string key) => TryGetEntry(key, out CallMetadataEntry entry) && entry.IsBinary ? entry.Bytes : null;

    /// <summary>Copies every entry of <paramref name="other"/> into this metadata, replacing entries with the same key.</summary>
    public void SetAll(CallMetadata other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (CallMetadataEntry entry in other._entries)
        {
            Remove(entry.Key);
            _entries.Add(entry);
        }
    }

    /// <inheritdoc />
    public IEnumerator<CallMetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Whether <paramref name="key"/> is a valid key; the reason when it is not.</summary>
    public static bool IsValidKey(string? key, [NotNullWhen(false)] out string? problem)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            problem = $"A metadata key must have 1 to {MaxKeyLength} characters.";
            return false;
        }

        foreach (char c in key)
        {
            if (!IsKeyChar(c))
            {
                problem = $"The metadata key '{key}' has the character '{c}'; keys use a-z, 0-9, '-', '_' and '.'.";
                return false;
            }
        }

        problem = null;
        return true;
    }

    internal static bool IsKeyChar(int c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.';

    /// <summary>Wraps entries read from the wire (already checked) as read-only metadata.</summary>
    internal static CallMetadata FromWire(List<CallMetadataEntry> entries) => new(entries, readOnly: true);

    private void AddChecked(string key, string? text, ReadOnlyMemory<byte> bytes)
    {
        ThrowIfReadOnly();
        if (!IsValidKey(key, out string? problem))
        {
            throw new ArgumentException(problem, nameof(key));
        }

        if (IndexOf(key) >= 0)
        {
            throw new ArgumentException($"The metadata already has the key '{key}'; use Set to replace it.", nameof(key));
        }

        _entries.Add(new CallMetadataEntry(key, text, bytes));
    }

    private int IndexOf(string key)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException("This metadata is read-only (received from the peer, or the shared empty instance).");
        }
    }
}

/// <summary>One metadata entry: a key and a text or a binary value.</summary>
/// <param name="Key">The key.</param>
/// <param name="Text">The text value; null for a binary entry.</param>
/// <param name="Bytes">The binary value (empty for a text entry).</param>
public readonly record struct CallMetadataEntry(string Key, string? Text, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>Whether the value is binary.</summary>
    public bool IsBinary => Text is null;
}
