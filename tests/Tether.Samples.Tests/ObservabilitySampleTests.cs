using System.Text.RegularExpressions;

namespace Tether.Samples.Tests;

/// <summary>The observability sample: a running server shows its metrics (scraped over HTTP), a trace and its health.</summary>
public sealed partial class ObservabilitySampleTests
{
    [Fact]
    public async Task The_server_shows_a_prometheus_scrape_a_trace_and_its_health()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Observability");

        Assert.True(exitCode == 0, output);
        Assert.Contains("[health] tether-server: Healthy (Listening.)", output, StringComparison.Ordinal);
        Assert.Contains("[client] book costs 9.99", output, StringComparison.Ordinal);

        // The trace: the demo's span, each call's client span, the server span under it.
        Assert.Contains("[trace] checkout (Internal, Unset) Tether.Samples.Observability", output, StringComparison.Ordinal);
        Assert.Contains("[trace]   Prices/Get (Client, Ok) Tether.Client", output, StringComparison.Ordinal);
        Assert.Contains("[trace]     Prices/Get (Server, Ok) Tether.Server", output, StringComparison.Ordinal);
        Assert.Contains("[trace]     Prices/Get (Server, Error) Tether.Server", output, StringComparison.Ordinal);

        // A real scrape of the Prometheus endpoint on loopback: the call histograms and the session gauge, with values.
        Assert.Matches(ServerCount(), output);
        Assert.Matches(ClientError(), output);
        Assert.Matches(@"\[metrics\] tether_session_active\{[^}]*tether_side=""server""[^}]*\} 1", output);

        // The handler's log line carries the session and the method (its log scope).
        Assert.Matches(@"=> Session [0-9a-f-]{36} \(connection \d+\) Prices/Get looking up book", output);
        Assert.Contains("[health] after stop: tether-server: Unhealthy (The server has stopped.)", output, StringComparison.Ordinal);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\[metrics\] rpc_server_call_duration_seconds_count\{[^}]*rpc_method=""Prices/Get"",rpc_response_status_code=""ok"",rpc_system_name=""tether""[^}]*\} 1")]
    private static partial Regex ServerCount();

    [GeneratedRegex(@"\[metrics\] rpc_client_call_duration_seconds_count\{[^}]*error_type=""dispatch.unknown_message""[^}]*\} 1")]
    private static partial Regex ClientError();
}
