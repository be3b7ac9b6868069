using System.Net;
using Tether.Cli.Bench;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli.Tests;

/// <summary>The tool's own parts: the latency histogram's resolution, durations and addresses as people type them.</summary>
public sealed class PartsTests
{
    [Fact]
    public void Percentiles_are_within_one_percent_of_the_exact_ones()
    {
        var random = new Random(30);
        long[] values = [.. Enumerable.Range(0, 100_000).Select(_ => (long)Math.Exp(random.NextDouble() * 16))]; // 1 µs .. 9 s, log-uniform
        var histogram = new LatencyHistogram();
        foreach (long value in values)
        {
            histogram.Record(value);
        }

        Array.Sort(values);
        foreach (double percentile in new[] { 50.0, 90, 99, 99.9 })
        {
            long exact = values[(int)Math.Ceiling(percentile / 100 * values.Length) - 1];
            long reported = histogram.Percentile(percentile);
            Assert.InRange(reported, exact, Math.Max(exact + 1, (long)(exact * 1.01)));
        }

        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[^1], histogram.Percentile(100));
        Assert.Equal(values.Length, histogram.Count);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("00:00:03", 3_000)]
    public void Durations_read_as_people_write_them(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "timeout"));

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    public void A_bad_duration_is_a_usage_error(string text) =>
        Assert.Contains("is not a duration", Assert.Throws<UsageException>(() => Durations.Parse(text, "timeout")).Message, StringComparison.Ordinal);

    [Fact]
    public void Addresses_are_ip_ports_or_host_ports()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5000), ClientFactory.ParseEndPoint("127.0.0.1:5000"));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5000), ClientFactory.ParseEndPoint("[::1]:5000"));
        Assert.Equal(new DnsEndPoint("orders.internal", 7000), ClientFactory.ParseEndPoint("orders.internal:7000"));
        Assert.Throws<UsageException>(() => ClientFactory.ParseEndPoint("orders.internal"));
        Assert.Throws<UsageException>(() => ClientFactory.ParseEndPoint("host:99999"));
    }
}
