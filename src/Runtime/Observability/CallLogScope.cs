using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tether.Observability;

/// <summary>
/// The log scope a handler runs in: <c>SessionId</c>, <c>ConnectionId</c> and <c>Method</c>, so whatever the handler
/// (or the runtime) logs during the call carries them. One immutable state object per method and connection, made on
/// first use, so beginning the scope allocates only what the logging provider's scope stack does.
/// </summary>
internal sealed class CallLogScope(Guid sessionId, long connectionId, string method) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _entries =
    [
        new("SessionId", sessionId),
        new("ConnectionId", connectionId),
        new("Method", method),
    ];

    public int Count => _entries.Length;

    public KeyValuePair<string, object?> this[int index] => _entries[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Session {sessionId} (connection {connectionId}) {method}";

    /// <summary>The scopes of one connection's methods.</summary>
    internal sealed class Cache(long connectionId)
    {
        private readonly ConcurrentDictionary<string, CallLogScope> _byMethod = new(StringComparer.Ordinal);

        /// <summary>Begins the call's scope when logging is on at all (a provider that keeps scopes then sees it); null otherwise.</summary>
        public IDisposable? Begin(ILogger logger, Guid sessionId, string method) =>
            logger.IsEnabled(LogLevel.Critical)
                ? logger.BeginScope(_byMethod.GetOrAdd(method, static (m, state) => new CallLogScope(state.SessionId, state.ConnectionId, m), (SessionId: sessionId, ConnectionId: connectionId)))
                : null;
    }
}
