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
    // Slots of ready attribute sets for successful calls (SucceededTags): by the method name's reference hash.
    private const int TagSetSlots = 16;

    // Durations a batch keeps for after its flush, at most (24 KB): a read of tiny frames records the rest at once.
    private const int MaxDeferred = 1024;

    private LinkTags _link = LinkTags.None;
    private TagSet?[]? _succeeded; // made by the first call recorded: a connection nobody measures never has it
    private int _batchThread; // the link's receive loop's managed thread id while it handles a batch; 0 otherwise
    private long _batchReadAt; // when the batch's bytes were read, if incoming calls are timed; 0 otherwise
    private long _batchAnsweredAt; // when the batch's frames were all handled (its answers written), if any call was kept
    private DeferredDuration[]? _deferred; // calls of the batch, recorded once its answers were flushed
    private int _deferredCount;
    private int _counted; // 1 while the session counts in tether.session.active

    public TetherMetrics Instruments => metrics;

    private KeyValuePair<string, object?> Side => isServer ? MetricTags.Server : MetricTags.Client;

    /// <summary>Whether incoming calls are timed (checked once per call).</summary>
    public bool TimesServerCalls => metrics.ServerCallDuration.Enabled;

    /// <summary>Whether outgoing calls are timed.</summary>
    public bool TimesClientCalls => metrics.ClientCallDuration.Enabled;

    /// <summary>A link became active: its transport and the server's address describe the calls that follow.</summary>
    public void OnLinkActive(string transportName, EndPoint? serverEndPoint) => _link = new LinkTags(transportName, serverEndPoint);

    /// <summary>
    /// When an incoming call started, for its duration: inside a receive batch, when the batch's bytes were read (one clock
    /// read for all of its calls, which arrived together); elsewhere, now.
    /// </summary>
    public long ServerCallStarted() =>
        _batchReadAt != 0 && Volatile.Read(ref _batchThread) == Environment.CurrentManagedThreadId ? _batchReadAt : Stopwatch.GetTimestamp();

    public void RecordServerCall(string method, long startedAt, TetherErrorCode code)
    {
        if (code == TetherErrorCode.None && SucceededTags(method) is { } succeeded)
        {
            Record(metrics.ServerCallDuration, succeeded, startedAt);
            return;
        }

        TagList tags = CallTags(method);
        AddOutcome(ref tags, code);
        metrics.ServerCallDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, in tags);
    }

    public void RecordClientCall(string method, long startedAt, Exception? error)
    {
        if (error is null && SucceededTags(method) is { } succeeded)
        {
            Record(metrics.ClientCallDuration, succeeded, startedAt);
            return;
        }

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

    /// <summary>
    /// The link's receive loop starts a batch of frames it has just read, on the calling thread: calls it starts are timed
    /// from now, and durations it records are kept until <see cref="EndBatch"/>.
    /// </summary>
    public void BeginBatch()
    {
        Volatile.Write(ref _batchThread, Environment.CurrentManagedThreadId);
        _batchReadAt = metrics.ServerCallDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
    }

    /// <summary>
    /// The batch's frames are all handled and its answers written (about to be flushed): the calls it kept end now. One
    /// clock read for the batch; an answer written earlier in it leaves with this flush, not before.
    /// </summary>
    public void BatchAnswered()
    {
        if (_deferredCount != 0)
        {
            _batchAnsweredAt = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// The batch's answers were flushed: its calls' durations go to the histograms now. With a listener such as
    /// OpenTelemetry a measurement costs a hundred nanoseconds or more, which a batch of answers waited for before they
    /// were sent; now the peer has them first.
    /// </summary>
    public void EndBatch()
    {
        Volatile.Write(ref _batchThread, 0);
        _batchReadAt = 0;
        int count = _deferredCount;
        if (count == 0)
        {
            return;
        }

        long answeredAt = _batchAnsweredAt != 0 ? _batchAnsweredAt : Stopwatch.GetTimestamp(); // BatchAnswered not called: ends now
        _batchAnsweredAt = 0;
        _deferredCount = 0;
        DeferredDuration[] deferred = _deferred!;
        for (int i = 0; i < count; i++)
        {
            ref readonly DeferredDuration entry = ref deferred[i];
            entry.Instrument.Record(Stopwatch.GetElapsedTime(entry.StartedAt, answeredAt).TotalSeconds, (ReadOnlySpan<KeyValuePair<string, object?>>)entry.Tags);
        }
    }

    /// <summary>
    /// Records a call that started at <paramref name="startedAt"/>: ended now, or, called by the receive loop inside a
    /// batch, ended with the batch and recorded after its flush (only that thread touches the buffer).
    /// </summary>
    private void Record(System.Diagnostics.Metrics.Histogram<double> instrument, KeyValuePair<string, object?>[] tags, long startedAt)
    {
        if (Volatile.Read(ref _batchThread) != Environment.CurrentManagedThreadId)
        {
            instrument.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, (ReadOnlySpan<KeyValuePair<string, object?>>)tags);
            return;
        }

        DeferredDuration[] deferred = _deferred ??= new DeferredDuration[64];
        if (_deferredCount == deferred.Length)
        {
            if (deferred.Length == MaxDeferred)
            {
                // Bounded: a huge batch records the rest at once.
                instrument.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, (ReadOnlySpan<KeyValuePair<string, object?>>)tags);
                return;
            }

            Array.Resize(ref _deferred, deferred.Length * 2); // a batch larger than any before: grows once, kept after
            deferred = _deferred;
        }

        deferred[_deferredCount++] = new DeferredDuration(instrument, tags, startedAt);
    }

    /// <summary>
    /// The attributes of a successful call of <paramref name="method"/> on the current link, built once: recording then
    /// hands the histogram a ready span instead of building a <see cref="TagList"/> of six pairs per call (with
    /// OpenTelemetry listening, building the list cost the server as much as encoding its reply). Null when the slot
    /// belongs to another method: the caller builds the list as before, so a connection allocates at most one set per
    /// slot and link, never one per call.
    /// </summary>
    /// <remarks>
    /// Keyed by the name's reference (names come from method descriptors or a per-type static and are never rebuilt)
    /// and the link's tags (a resume onto another link makes new ones). Sets are immutable and replaced whole, so
    /// threads recording at once read the old set or the new one.
    /// </remarks>
    private KeyValuePair<string, object?>[]? SucceededTags(string method)
    {
        TagSet?[] slots = _succeeded ?? LazyInitializer.EnsureInitialized(ref _succeeded, static () => new TagSet?[TagSetSlots]);
        ref TagSet? slot = ref slots[System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(method) & (TagSetSlots - 1)];
        LinkTags link = _link;
        TagSet? set = Volatile.Read(ref slot);
        if (set is not null && ReferenceEquals(set.Link, link))
        {
            return ReferenceEquals(set.Method, method) ? set.Tags : null; // null: another method holds the slot
        }

        TagList built = CallTags(method);
        built.Add(MetricTags.StatusOk);
        var created = new TagSet(method, link, [.. built]);
        Volatile.Write(ref slot, created);
        return created.Tags;
    }

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

    /// <summary>A call that ended in a receive batch, recorded after its flush.</summary>
    private readonly record struct DeferredDuration(System.Diagnostics.Metrics.Histogram<double> Instrument, KeyValuePair<string, object?>[] Tags, long StartedAt);

    /// <summary>A successful call's attributes for one method on one link (<see cref="SucceededTags"/>).</summary>
    private sealed class TagSet(string method, LinkTags link, KeyValuePair<string, object?>[] tags)
    {
        public string Method { get; } = method;

        public LinkTags Link { get; } = link;

        public KeyValuePair<string, object?>[] Tags { get; } = tags;
    }

    /// <summary>
    /// The link's tags, one object per link (a resume onto another transport makes a new one). Their values (the server
    /// address as a string, the port boxed) are made when first asked for: an idle session nobody measures holds only the
    /// transport's name and the endpoint it already had.
    /// </summary>
    private sealed class LinkTags(string transportName, EndPoint? server)
    {
        public static readonly LinkTags None = new("unknown", null);

        private Values? _values;

        public KeyValuePair<string, object?> Transport => Built.Transport;

        public KeyValuePair<string, object?>? Address => Built.Address;

        public KeyValuePair<string, object?> Port => Built.Port;

        private Values Built => Volatile.Read(ref _values) ?? Make();

        // Two threads racing make equal values; the first stored is kept.
        private Values Make()
        {
            Interlocked.CompareExchange(ref _values, Values.Create(transportName, server), null);
            return _values!;
        }

        private sealed record Values(KeyValuePair<string, object?> Transport, KeyValuePair<string, object?>? Address, KeyValuePair<string, object?> Port)
        {
            public static Values Create(string transportName, EndPoint? server) => new(
                // OpenTelemetry's values: TLS runs over tcp; the in-memory transport is in-process.
                new("network.transport", transportName switch
                {
                    "tcp" or "tls" => "tcp",
                    "quic" => "quic",
                    "inmemory" => "inproc",
                    _ => transportName,
                }),
                server switch
                {
                    IPEndPoint ip => new("server.address", ip.Address.ToString()),
                    DnsEndPoint dns => new("server.address", dns.Host),
                    null => null,
                    _ => new("server.address", server.ToString()),
                },
                new("server.port", server switch
                {
                    IPEndPoint ip => ip.Port,
                    DnsEndPoint dns => dns.Port,
                    _ => 0,
                }));
        }
    }
}
