using System.Collections.Concurrent;
using Tether.Connections;

namespace Tether.Server;

/// <summary>A connected client, as the server sees it: call it, push to it, group it, inspect it.</summary>
public sealed class TetherSession : TetherPeer
{
    private readonly TetherConnection _connection;
    private ConcurrentDictionary<string, object?>? _items;

    internal TetherSession(TetherServer server, TetherConnection connection)
    {
        Server = server;
        _connection = connection;
        connection.StateChanged += (_, change) => RaiseStateChanged(change);
    }

    private protected override TetherConnection CurrentConnection => _connection;

    internal TetherConnection Connection => _connection;

    /// <summary>The session's id, unique within the process (stable across resumes).</summary>
    public long Id => _connection.Id;

    /// <summary>The session's identity on the wire (<see cref="Sessions.SessionContract.SessionId"/>), chosen at random by the server; empty before negotiation.</summary>
    public Guid SessionId => _connection.Contract?.SessionId ?? Guid.Empty;

    /// <summary>The server the session belongs to.</summary>
    public TetherServer Server { get; }

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset ConnectedAt => _connection.ConnectedAt;

    /// <summary>Application state attached to the session (a user name, an identity…).</summary>
    public ConcurrentDictionary<string, object?> Items =>
        _items ?? Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<string, object?>(StringComparer.Ordinal), null) ?? _items;

    /// <summary>Groups the session belongs to.</summary>
    public IReadOnlyList<string> Groups => Server.GroupsOf(this);

    /// <summary>A snapshot of the session's state and counters.</summary>
    public SessionInfo GetInfo() => new(
        Id,
        _connection.RemoteEndPoint,
        _connection.TransportName,
        _connection.State,
        _connection.RoundTripTime,
        _connection.ConnectedAt,
        _connection.BytesSent,
        _connection.BytesReceived,
        _connection.Output.FramesWritten,
        _connection.Counters.FramesReceived,
        _connection.Counters.CallsStarted,
        _connection.Counters.CallsFailed,
        _connection.InFlight,
        _connection.Output.QueuedBytes,
        _connection.Counters.PushesDropped,
        Groups);

    /// <summary>Closes the session: bytes already queued still leave.</summary>
    public Task CloseAsync() => _connection.CloseAsync();

    /// <inheritdoc />
    public override string ToString() => $"session {Id} ({_connection.RemoteEndPoint}, {_connection.TransportName})";
}
