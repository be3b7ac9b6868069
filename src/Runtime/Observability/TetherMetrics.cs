using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Tether.Observability;

/// <summary>
/// The instruments of the <c>Tether</c> meter (every one is listed in <c>docs/metrics.md</c>): call durations after
/// OpenTelemetry's RPC conventions, session and connection counts, and observable totals read from the running
/// servers and clients (bytes, frames, queues, pools) only when a collector asks.
/// </summary>
/// <remarks>
/// One instance per <see cref="IMeterFactory"/> (the host's, through DI) or one for the process
/// (<see cref="Shared"/>). Recording is guarded by <see cref="Instrument.Enabled"/> at the call sites, so with nobody
/// listening a call pays one field read; tags are built in a <see cref="TagList"/> on the stack from strings and boxed
/// values cached per connection, so a recorded call allocates nothing.
/// </remarks>
internal sealed class TetherMetrics
{
    /// <summary>The meter's name: what <c>AddMeter("Tether")</c> and <c>dotnet-counters --counters Tether</c> select.</summary>
    public const string MeterName = "Tether";

    private static readonly Lazy<TetherMetrics> s_shared = new(static () => new TetherMetrics(new Meter(MeterName, Version)));
    private static readonly ConditionalWeakTable<IMeterFactory, TetherMetrics> s_byFactory = [];

    // Seconds: from 10 µs (a loopback call) to 10 s, finer below 1 ms than OpenTelemetry's default for RPC.
    private static readonly double[] s_durationBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _sourcesLock = new();
    private readonly List<MetricsSource> _sources = [];

    private TetherMetrics(Meter meter)
    {
        Meter = meter;
        var durationAdvice = new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets };
        ServerCallDuration = meter.CreateHistogram("rpc.server.call.duration", "s", "Duration of calls handled, from arrival to answer.", advice: durationAdvice);
        ClientCallDuration = meter.CreateHistogram("rpc.client.call.duration", "s", "Duration of calls made, from start to answer (one-way: until queued; stream: until its end).", advice: durationAdvice);
        SessionsActive = meter.CreateUpDownCounter<long>("tether.session.active", "{session}", "Sessions negotiated and not yet closed (resuming ones included).");
        SessionsStarted = meter.CreateCounter<long>("tether.session.started", "{session}", "Sessions negotiated.");
        SessionsEnded = meter.CreateCounter<long>("tether.session.ended", "{session}", "Sessions closed, by reason.");
        SessionsResumed = meter.CreateCounter<long>("tether.session.resumed", "{resume}", "Sessions resumed on a new link.");
        SessionsRestarted = meter.CreateCounter<long>("tether.session.restarted", "{session}", "Fresh sessions a client started because its session could not resume.");
        FramesReplayed = meter.CreateCounter<long>("tether.session.replayed_frames", "{frame}", "Frames sent again after a resume.");
        ConnectionsRefused = meter.CreateCounter<long>("tether.connection.refused", "{connection}", "Connections refused at the handshake, by reason.");
        SecurityEvents = meter.CreateCounter<long>("tether.security.events", "{event}", "Security events on the server: authentication failed, unauthenticated or denied calls, rate limits, refused addresses, expired credentials.");
        CallRetries = meter.CreateCounter<long>("tether.call.retries", "{retry}", "Attempts a client made again after a retryable failure, by method and the failure's code.");
        IdempotentReplays = meter.CreateCounter<long>("tether.idempotency.replays", "{call}", "Calls a server answered from an earlier call with the same idempotency key, without running the handler.");
        meter.CreateObservableCounter("tether.io.bytes", ObserveBytes, "By", "Bytes sent and received by live connections and those closed before.");
        meter.CreateObservableCounter("tether.io.frames", ObserveFrames, "{frame}", "Frames sent and received.");
        meter.CreateObservableUpDownCounter("tether.send_queue.size", ObserveQueued, "By", "Bytes queued for peers and not yet taken by the transport.");
        meter.CreateObservableUpDownCounter("tether.call.pending", ObservePending, "{call}", "Outgoing calls waiting for their answer.");
        meter.CreateObservableUpDownCounter("tether.call.in_flight", ObserveInFlight, "{call}", "Incoming calls whose handler runs.");
        meter.CreateObservableCounter("tether.pool.rents", ObservePool(static t => t.Rents), "{rent}", "Blocks rented from the buffer pool, by tier.");
        meter.CreateObservableCounter("tether.pool.hits", ObservePool(static t => t.Hits), "{rent}", "Rents served from blocks the pool held, by tier.");
        meter.CreateObservableCounter("tether.pool.expansions", ObservePool(static t => t.Expansions), "{expansion}", "Times a tier grew.");
        meter.CreateObservableCounter("tether.pool.shrinks", ObservePool(static t => t.Shrinks), "{shrink}", "Times a tier gave idle blocks back.");
        meter.CreateObservableUpDownCounter("tether.pool.held", ObservePool(static t => t.BytesHeld), "By", "Bytes the pool holds (rented or idle), by tier.");
    }

    private const string Version = "1.0";

    /// <summary>The process-wide instruments, for servers and clients created without a meter factory.</summary>
    public static TetherMetrics Shared => s_shared.Value;

    public Meter Meter { get; }

    public Histogram<double> ServerCallDuration { get; }

    public Histogram<double> ClientCallDuration { get; }

    public UpDownCounter<long> SessionsActive { get; }

    public Counter<long> SessionsStarted { get; }

    public Counter<long> SessionsEnded { get; }

    public Counter<long> SessionsResumed { get; }

    public Counter<long> SessionsRestarted { get; }

    public Counter<long> FramesReplayed { get; }

    public Counter<long> CallRetries { get; }

    public Counter<long> IdempotentReplays { get; }

    public Counter<long> ConnectionsRefused { get; }

    /// <summary><c>tether.security.events</c>, tagged <c>tether.security.event</c> (and <c>rpc.method</c> for a call).</summary>
    public Counter<long> SecurityEvents { get; }

    /// <summary>The instruments of <paramref name="factory"/>'s <c>Tether</c> meter, or <see cref="Shared"/> without one.</summary>
    public static TetherMetrics For(IMeterFactory? factory) =>
        factory is null ? Shared : s_byFactory.GetValue(factory, static f => new TetherMetrics(f.Create(new MeterOptions(MeterName) { Version = Version })));

    /// <summary>A server or client whose totals the observable instruments read while it runs.</summary>
    public void Register(MetricsSource source)
    {
        lock (_sourcesLock)
        {
            _sources.Add(source);
        }
    }

    public void Unregister(MetricsSource source)
    {
        lock (_sourcesLock)
        {
            _sources.Remove(source);
        }
    }

    private MetricsSource[] Sources()
    {
        lock (_sourcesLock)
        {
            return [.. _sources];
        }
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (MetricsSource source in Sources())
        {
            MetricsTotals totals = source.ReadTotals();
            yield return new Measurement<long>(totals.BytesSent, source.SideTag, MetricTags.Transmit);
            yield return new Measurement<long>(totals.BytesReceived, source.SideTag, MetricTags.Receive);
        }
    }

    private IEnumerable<Measurement<long>> ObserveFrames()
    {
        foreach (MetricsSource source in Sources())
        {
            MetricsTotals totals = source.ReadTotals();
            yield return new Measurement<long>(totals.FramesSent, source.SideTag, MetricTags.Transmit);
            yield return new Measurement<long>(totals.FramesReceived, source.SideTag, MetricTags.Receive);
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueued()
    {
        foreach (MetricsSource source in Sources())
        {
            yield return new Measurement<long>(source.ReadTotals().QueuedBytes, source.SideTag);
        }
    }

    private IEnumerable<Measurement<long>> ObservePending()
    {
        foreach (MetricsSource source in Sources())
        {
            yield return new Measurement<long>(source.ReadTotals().PendingCalls, source.SideTag);
        }
    }

    private IEnumerable<Measurement<long>> ObserveInFlight()
    {
        foreach (MetricsSource source in Sources())
        {
            yield return new Measurement<long>(source.ReadTotals().InFlightCalls, source.SideTag);
        }
    }

    /// <summary>Reads each distinct pool once (servers and clients usually share <see cref="TieredMemoryPool.Default"/>).</summary>
    private Func<IEnumerable<Measurement<long>>> ObservePool(Func<TierStatistics, long> read) => () => ObservePools(read);

    private IEnumerable<Measurement<long>> ObservePools(Func<TierStatistics, long> read)
    {
        var seen = new HashSet<TieredMemoryPool>(ReferenceEqualityComparer.Instance);
        foreach (MetricsSource source in Sources())
        {
            if (source.Pool is not { } pool || !seen.Add(pool))
            {
                continue;
            }

            foreach (TierStatistics tier in pool.GetStatistics().Tiers)
            {
                yield return new Measurement<long>(read(tier), new KeyValuePair<string, object?>("tether.pool.block_size", tier.BlockSize));
            }
        }
    }
}
