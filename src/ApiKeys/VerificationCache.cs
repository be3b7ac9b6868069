using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Tether.Security.ApiKeys;

/// <summary>
/// Keys verified recently, by HMAC-SHA256 of the presented key under a key made for this process (so neither the key
/// nor a plain hash of it is held). An entry remembers which stored hash matched; a hit is good only while the record
/// still holds that hash. Bounded: past its size, expired entries are dropped, then everything.
/// </summary>
internal sealed class VerificationCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly byte[] _processKey = RandomNumberGenerator.GetBytes(32);
    private readonly int _capacity;
    private readonly long _lifetimeTicks;
    private readonly TimeProvider _time;

    public VerificationCache(int capacity, TimeSpan lifetime, TimeProvider time)
    {
        _capacity = capacity;
        _lifetimeTicks = (long)(lifetime.TotalSeconds * time.TimestampFrequency);
        _time = time;
    }

    public int Count => _entries.Count;

    public string Fingerprint(string key)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_processKey, Encoding.UTF8.GetBytes(key), mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>The hash <paramref name="fingerprint"/> matched when it was verified, if that was recently.</summary>
    public ApiKeyHash? Find(string fingerprint)
    {
        if (!_entries.TryGetValue(fingerprint, out Entry? entry))
        {
            return null;
        }

        if (_time.GetTimestamp() >= entry.ExpiresAt)
        {
            _entries.TryRemove(fingerprint, out _);
            return null;
        }

        return entry.Matched;
    }

    public void Remember(string fingerprint, ApiKeyHash matched)
    {
        if (_entries.Count >= _capacity)
        {
            long now = _time.GetTimestamp();
            foreach (KeyValuePair<string, Entry> stale in _entries)
            {
                if (now >= stale.Value.ExpiresAt)
                {
                    _entries.TryRemove(stale.Key, out _);
                }
            }

            if (_entries.Count >= _capacity)
            {
                _entries.Clear();
            }
        }

        _entries[fingerprint] = new Entry(matched, _time.GetTimestamp() + _lifetimeTicks);
    }

    public void Forget(string fingerprint) => _entries.TryRemove(fingerprint, out _);

    private sealed record Entry(ApiKeyHash Matched, long ExpiresAt);
}
