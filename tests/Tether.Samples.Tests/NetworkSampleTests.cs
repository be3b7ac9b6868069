namespace Tether.Samples.Tests;

/// <summary>Each network sample, run with no arguments, plays its loopback demo and exits 0 on its own.</summary>
public sealed class NetworkSampleTests
{
    [Fact]
    public async Task Echo_sample_runs_its_demo_and_exits_0()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Echo");

        Assert.True(exitCode == 0, output);
        Assert.Contains("[client] echo \"héllo wörld\" -> \"héllo wörld\"", output, StringComparison.Ordinal);
        Assert.Contains("[server] one-way shouts received: 3", output, StringComparison.Ordinal);
        Assert.Contains("[server] stopped gracefully; client closed", output, StringComparison.Ordinal);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_client_that_knows_only_the_contracts_calls_a_separate_server_process()
    {
        using System.Diagnostics.Process server = SampleRunner.Start("Tether.Samples.Echo", "--server", "0", "127.0.0.1");
        try
        {
            // "listening on 127.0.0.1:PORT; Ctrl+C stops"
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string? banner = await server.StandardOutput.ReadLineAsync(patience.Token);
            Assert.NotNull(banner);
            string endPoint = banner["listening on ".Length..banner.IndexOf(';', StringComparison.Ordinal)];

            var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Echo.Client", endPoint, "one", "twö");

            Assert.True(exitCode == 0, output);
            Assert.Matches(@"^one \(session [0-9a-f-]{36}\)\r?\ntwö \(session [0-9a-f-]{36}\)\r?\n$", output);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Chat_sample_runs_its_demo_and_exits_0()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Chat");

        Assert.True(exitCode == 0, output);
        Assert.Contains("[bob sees] #lobby alice: hi bob", output, StringComparison.Ordinal);
        Assert.Contains("[carol sees] #ops carol: anyone in ops?", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[carol sees] #lobby", output, StringComparison.Ordinal);
        Assert.Contains("[server] announcement delivered to 3 sessions, dropped 0", output, StringComparison.Ordinal);
        Assert.Contains("[server] bob left; lobby has 1 member", output, StringComparison.Ordinal);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpc_sample_runs_its_demo_and_exits_0()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Rpc");

        Assert.True(exitCode == 0, output);
        Assert.Contains("[rpc] work 1 with a 200 ms timeout: dispatch.call_timed_out", output, StringComparison.Ordinal);
        Assert.Contains("[server] work 2: the handler's token fired", output, StringComparison.Ordinal);
        Assert.Contains("[rpc] countdown stream: 5 4 3 2 1", output, StringComparison.Ordinal);
        Assert.Contains("limit.pending_calls", output, StringComparison.Ordinal);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_sample_delivers_every_reading_once_in_order_across_five_cuts()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Resume");

        Assert.True(exitCode == 0, output);
        Assert.Contains("[demo] cut 5: reset 1 connection(s)", output, StringComparison.Ordinal);
        Assert.Equal(5, output.Split('\n').Count(line => line.StartsWith("[client] resumed session", StringComparison.Ordinal) && line.Contains("resumed: True", StringComparison.Ordinal)));
        Assert.Contains("[server] 20,000 readings arrived, each exactly once and in order", output, StringComparison.Ordinal);
        Assert.Contains("[client] same session throughout: True; cuts: 5; server suspensions: 5; restarts: 0", output, StringComparison.Ordinal);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quickstart_sample_runs_as_a_process_with_no_arguments()
    {
        var (exitCode, output) = await SampleRunner.RunAsync("Tether.Samples.Quickstart");

        Assert.True(exitCode == 0, output);
        Assert.EndsWith("done", output.TrimEnd(), StringComparison.Ordinal);
    }
}
