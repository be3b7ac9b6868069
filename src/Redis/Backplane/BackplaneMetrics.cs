using System.Diagnostics.Metrics;

namespace Tether.Redis.Backplane;

/// <summary>The backplane's instruments, on a meter named <c>Tether</c> like the runtime's (listed in <c>docs/metrics.md</c>).</summary>
internal sealed class BackplaneMetrics
{
    private static readonly Meter s_meter = new("Tether", "1.0");

    public static BackplaneMetrics Shared { get; } = new(s_meter);

    private BackplaneMetrics(Meter meter)
    {
        Published = meter.CreateCounter<long>("tether.backplane.published", "{message}", "Backplane messages this node published (Redis took them).");
        Received = meter.CreateCounter<long>("tether.backplane.received", "{message}", "Backplane messages from other nodes applied on this node.");
        Gaps = meter.CreateCounter<long>("tether.backplane.gaps", "{message}", "Messages of other nodes this node never got (a gap in their numbering): lost for this node, and reported.");
        Republished = meter.CreateCounter<long>("tether.backplane.republished", "{message}", "Messages published again after Redis came back without its data.");
        PublishFailures = meter.CreateCounter<long>("tether.backplane.publish_failures", "{message}", "Publishes that failed with store.unavailable (Redis unreachable past the publish timeout).");
        DataLost = meter.CreateCounter<long>("tether.backplane.redis_data_lost", "{event}", "Times Redis came back without its data (its epoch key was gone).");
        meter.CreateObservableUpDownCounter("tether.backplane.nodes", ObserveNodes, "{node}", "Live nodes of the cluster, as this process's backplanes last saw them.");
    }

    public Counter<long> Published { get; }

    public Counter<long> Received { get; }

    public Counter<long> Gaps { get; }

    public Counter<long> Republished { get; }

    public Counter<long> PublishFailures { get; }

    public Counter<long> DataLost { get; }

    private readonly Lock _lock = new();
    private readonly List<Func<int>> _nodeCounts = [];

    public void Track(Func<int> nodes)
    {
        lock (_lock)
        {
            _nodeCounts.Add(nodes);
        }
    }

    public void Untrack(Func<int> nodes)
    {
        lock (_lock)
        {
            _nodeCounts.Remove(nodes);
        }
    }

    private IEnumerable<Measurement<long>> ObserveNodes()
    {
        lock (_lock)
        {
            return [.. _nodeCounts.Select(static count => new Measurement<long>(count()))];
        }
    }
}
