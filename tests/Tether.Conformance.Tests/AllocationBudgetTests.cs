using Tether.Conformance.Tests.Support;
using Xunit.Abstractions;

namespace Tether.Conformance.Tests;

[CollectionDefinition(nameof(AllocationBudget), DisableParallelization = true)]
public sealed class AllocationBudget;

/// <summary>
/// Steady-state allocations of request/response over loopback TCP and QUIC, client and server together
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/> counts every thread, so this collection runs alone).
/// </summary>
[Collection(nameof(AllocationBudget))]
public sealed class AllocationBudgetTests(ITestOutputHelper output)
{
    // Long enough for the thread pool to settle its worker count: injecting workers allocates (measured here: a
    // 10,000-call window allocates ~47 B per call while workers go from 4 to 11, then 0.14 B per call after).
    private const int WarmUp = 40_000;
    private const int RoundTrips = 10_000;

    /// <param name="transport">
    /// "tcp", or "quic": one caller's calls take turns on one kept QUIC stream (decision 0008); "tcp+metrics": with a
    /// listener on both call-duration histograms, so every call is timed and recorded on both sides; "tcp+security": an
    /// authenticated session, every call authorized (a fallback policy) and taking permits from a per-session and a
    /// per-principal token bucket.
    /// </param>
    [Theory]
    [InlineData("tcp")]
    [InlineData("quic")]
    [InlineData("tcp+metrics")]
    [InlineData("tcp+security")]
    public async Task Round_trip_of_a_primitive_message_allocates_under_64_bytes_on_average(string transport)
    {
        using var factory = new TestMeterFactory();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        double recorded = 0;
        if (transport == "tcp+metrics")
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, value, _, _) => recorded += value); // allocates nothing itself
            listener.Start();
        }

        bool secured = transport == "tcp+security";
        await using Harness harness = await Harness.StartAsync(transport == "quic" ? TransportUnderTest.Quic() : TransportUnderTest.Tcp(), o =>
        {
            o.MeterFactory = factory;
            if (secured)
            {
                o.Security.Authenticators.Add(new TestTokenAuthenticator());
                o.Security.RequireAuthentication = true;
                o.Security.AuthorizationPolicies.FallbackPolicy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
                o.Security.RateLimits.Global = Tether.Security.RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.Session, 1_000_000_000, 1_000_000_000);
                o.Security.RateLimits.Methods["Conformance"] = "calls";
                o.Security.RateLimits.Policies["calls"] = Tether.Security.RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.Principal, 1_000_000_000, 1_000_000_000);
            }
        });
        TetherClient client = await harness.ConnectAsync(o =>
        {
            o.MeterFactory = factory;
            o.Credentials = secured ? TestTokenAuthenticator.Token("budget") : null;
        });
        var sample = new Sample(1, 2, 3.5, true);

        // Off xunit's synchronization context, which would post (and allocate for) every continuation.
        await Task.Run(() => RunAsync(client, sample, WarmUp));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Run(() => RunAsync(client, sample, RoundTrips));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        double perRoundTrip = (double)allocated / RoundTrips;
        output.WriteLine($"{allocated:N0} bytes over {RoundTrips:N0} round trips = {perRoundTrip:F2} B per round trip (client and server)");
        Assert.True(perRoundTrip < 64, $"{allocated:N0} bytes over {RoundTrips:N0} round trips = {perRoundTrip:F1} B per round trip");
        Assert.True(transport != "tcp+metrics" || recorded > 0, "the listener heard no call");
    }

    private static async Task RunAsync(TetherClient client, Sample sample, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Sample reply = await client.RequestAsync<Sample, Sample>(sample).ConfigureAwait(false);
            if (reply.Quantity != sample.Quantity + 1)
            {
                throw new InvalidOperationException("wrong reply");
            }
        }
    }
}
