using System.Diagnostics;
using System.Net;

namespace Tether.Observability;

/// <summary>
/// One connection's view of the <see cref="TetherMetrics"/>: the tags that describe its link (transport, server address
/// and port, cached when a link becomes active, so recording a call boxes nothing) and the recording calls the engine
/// and the peer make. Every method checks its instrument's <c>Enabled</c> first.
/// </summary>
internal sealed class ConnectionMetrics(TetherMetrics metrics, bool isServer)
{
    private LinkTags _link = LinkTags.None;
    private int _counted; // 1 while the session counts in tether.session.active

    public TetherMetrics Instruments => metrics;

    private KeyValuePair<string, object?> Side => isServer ? MetricTags.Server : MetricTags.Client;

    /// <summary>Whether incoming calls are timed (checked once per call).</summary>
    public bool TimesServerCalls => metrics.ServerCallDuration.Enabled;

    /// <summary>Whether outgoing calls are timed.</summary>
    public bool TimesClientCalls => metrics.ClientCallDuration.Enabled;

    /// <summary>A link became active: its transport and the server's address describe the calls that follow.</summary>
    public void OnLinkActive(string transportName, EndPoint? serverEndPoint) => _link = LinkTags.Create(transportName, serverEndPoint);

    public void RecordServerCall(string method, long startedAt, TetherErrorCode code)
    {
        TagList tags = CallTags(method);
        AddOutcome(ref tags, code);
        metrics.ServerCallDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, in tags);
    }

    public void RecordClientCall(string method, long startedAt, Exception? error)
    {
        TagList tags = CallTags(method);
        if (error is null)
        {
            tags.Add(MetricTags.StatusOk);
        }
        else
        {
            (KeyValuePair<string, object?> status, KeyValuePair<string, object?> type) = MetricTags.ForError(error);
            tags.Add(status);
            tags.Add(type);
        }

        metrics.ClientCallDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, in tags);
    }

    /// <summary>Tags a call's span as its duration is tagged (the outcome is added when it ends).</summary>
    public void Describe(Activity activity, string method)
    {
        LinkTags link = _link;
        activity.SetTag(MetricTags.RpcSystem.Key, MetricTags.RpcSystem.Value);
        activity.SetTag("rpc.method", method);
        activity.SetTag(link.Transport.Key, link.Transport.Value);
        if (link.Address is { } address)
        {
            activity.SetTag(address.Key, address.Value);
            activity.SetTag(link.Port.Key, link.Port.Value);
        }
    }

    /// <summary>A call is attempted again after failing with <paramref name="code"/>.</summary>
    public void OnRetry(string method, TetherErrorCode code)
    {
        if (metrics.CallRetries.Enabled)
        {
            metrics.CallRetries.Add(1, new TagList { Side, MetricTags.RpcSystem, new("rpc.method", method), MetricTags.ForCode(code).Error });
        }
    }

    /// <summary>A call was answered from the result of an earlier call with its idempotency key.</summary>
    public void OnIdempotentReplay(string method)
    {
        if (metrics.IdempotentReplays.Enabled)
        {
            metrics.IdempotentReplays.Add(1, Side, MetricTags.RpcSystem, new KeyValuePair<string, object?>("rpc.method", method));
        }
    }

    public void OnSessionStarted()
    {
        Interlocked.Exchange(ref _counted, 1);
        metrics.SessionsStarted.Add(1, Side);
        metrics.SessionsActive.Add(1, Side);
    }

    public void OnSessionEnded(Exception? reason)
    {
        if (Interlocked.Exchange(ref _counted, 0) == 1)
        {
            metrics.SessionsActive.Add(-1, Side);
            metrics.SessionsEnded.Add(1, Side, MetricTags.Reason(reason));
        }
    }

    public void OnResumed(int replayedFrames)
    {
        metrics.SessionsResumed.Add(1, Side);
        if (replayedFrames > 0)
        {
            metrics.FramesReplayed.Add(replayedFrames, Side);
        }
    }

    public void OnRefused(TetherErrorCode code) => metrics.ConnectionsRefused.Add(1, Side, MetricTags.ForCode(code).Error);

    private TagList CallTags(string method)
    {
        LinkTags link = _link;
        var tags = new TagList
        {
            MetricTags.RpcSystem,
            new("rpc.method", method),
            link.Transport,
        };
        if (link.Address is { } address)
        {
            tags.Add(address);
            tags.Add(link.Port);
        }

        return tags;
    }

    private static void AddOutcome(ref TagList tags, TetherErrorCode code)
    {
        if (code == TetherErrorCode.None)
        {
            tags.Add(MetricTags.StatusOk);
            return;
        }

        (KeyValuePair<string, object?> status, KeyValuePair<string, object?> type) = MetricTags.ForCode(code);
        tags.Add(status);
        tags.Add(type);
    }

    /// <summary>The link's tags, built once per link (a resume onto another transport builds new ones).</summary>
    private sealed class LinkTags
    {
        public static readonly LinkTags None = new() { Transport = new("network.transport", "unknown") };

        public KeyValuePair<string, object?> Transport { get; private init; }

        public KeyValuePair<string, object?>? Address { get; private init; }

        public KeyValuePair<string, object?> Port { get; private init; }

        public static LinkTags Create(string transportName, EndPoint? server) => new()
        {
            // OpenTelemetry's values: TLS runs over tcp; the in-memory transport is in-process.
            Transport = new("network.transport", transportName switch
            {
                "tcp" or "tls" => "tcp",
                "quic" => "quic",
                "inmemory" => "inproc",
                _ => transportName,
            }),
            Address = server switch
            {
                IPEndPoint ip => new("server.address", ip.Address.ToString()),
                DnsEndPoint dns => new("server.address", dns.Host),
                null => null,
                _ => new("server.address", server.ToString()),
            },
            Port = new("server.port", server switch
            {
                IPEndPoint ip => ip.Port,
                DnsEndPoint dns => dns.Port,
                _ => 0,
            }),
        };
    }
}
