namespace Tether.Observability;

/// <summary>
/// A running server's or client's totals, read by the observable instruments when a collector asks: the live
/// connections plus what connections closed before them had sent and received, so the counters never go back.
/// </summary>
internal sealed class MetricsSource(bool isServer, TieredMemoryPool? pool, Func<IEnumerable<Connections.TetherConnection>> live)
{
    private readonly Lock _lock = new(); // a closing connection moves from live to retired atomically for readers
    private MetricsTotals _retired;

    /// <summary><c>tether.side</c>: <c>server</c> or <c>client</c>.</summary>
    public KeyValuePair<string, object?> SideTag => isServer ? MetricTags.Server : MetricTags.Client;

    /// <summary>The buffer pool, when it is Tether's own (its statistics are reported).</summary>
    public TieredMemoryPool? Pool => pool;

    /// <summary>
    /// A connection leaves: <paramref name="remove"/> takes it out of the live ones and returns it (or null), and its
    /// totals join the retired ones in the same step for readers.
    /// </summary>
    public Connections.TetherConnection? Retire(Func<Connections.TetherConnection?> remove)
    {
        lock (_lock)
        {
            Connections.TetherConnection? removed = remove();
            if (removed is not null)
            {
                _retired.Add(removed, live: false);
            }

            return removed;
        }
    }

    public MetricsTotals ReadTotals()
    {
        lock (_lock)
        {
            MetricsTotals totals = _retired;
            foreach (Connections.TetherConnection connection in live())
            {
                totals.Add(connection, live: true);
            }

            return totals;
        }
    }
}

/// <summary>What a server or client has sent, received and holds, summed over its connections.</summary>
internal struct MetricsTotals
{
    public long BytesSent;
    public long BytesReceived;
    public long FramesSent;
    public long FramesReceived;
    public long QueuedBytes;
    public long PendingCalls;
    public long InFlightCalls;

    /// <summary>Adds what one connection has sent and received (queues and calls too, for a live one).</summary>
    public void Add(Connections.TetherConnection connection, bool live)
    {
        BytesSent += connection.BytesSent;
        BytesReceived += connection.BytesReceived;
        FramesSent += connection.Output.FramesWritten;
        FramesReceived += connection.Counters.FramesReceived;
        if (live)
        {
            QueuedBytes += connection.Output.QueuedBytes;
            PendingCalls += connection.PendingCalls;
            InFlightCalls += connection.InFlight;
        }
    }
}

/// <summary>Tag values shared by every measurement (cached, so recording boxes nothing).</summary>
internal static class MetricTags
{
    public static readonly KeyValuePair<string, object?> Server = new("tether.side", "server");
    public static readonly KeyValuePair<string, object?> Client = new("tether.side", "client");
    public static readonly KeyValuePair<string, object?> Transmit = new("network.io.direction", "transmit");
    public static readonly KeyValuePair<string, object?> Receive = new("network.io.direction", "receive");
    public static readonly KeyValuePair<string, object?> RpcSystem = new("rpc.system.name", "tether");
    public static readonly KeyValuePair<string, object?> StatusOk = new("rpc.response.status_code", "ok");

    private static readonly Dictionary<TetherErrorCode, (KeyValuePair<string, object?> Status, KeyValuePair<string, object?> Error)> s_errors =
        TetherErrors.All.ToDictionary(static e => e.Code, static e => (
            new KeyValuePair<string, object?>("rpc.response.status_code", e.Name),
            new KeyValuePair<string, object?>("error.type", e.Name)));

    /// <summary>The status and error tags of a failed call: its Tether error's name, else the exception's type.</summary>
    public static (KeyValuePair<string, object?> Status, KeyValuePair<string, object?> Error) ForError(Exception error) => error switch
    {
        TetherException t when s_errors.TryGetValue(t.Code, out var tags) => tags,
        OperationCanceledException => s_errors[TetherErrorCode.CallCanceled],
        _ => (new("rpc.response.status_code", "exception"), new("error.type", error.GetType().FullName)),
    };

    /// <summary>The status and error tags of an error code.</summary>
    public static (KeyValuePair<string, object?> Status, KeyValuePair<string, object?> Error) ForCode(TetherErrorCode code) => s_errors[code];

    /// <summary>The error tag of a refusal or session end reason.</summary>
    public static KeyValuePair<string, object?> Reason(Exception? reason) => reason switch
    {
        null => new("error.type", "none"),
        _ => ForError(reason).Error,
    };
}
