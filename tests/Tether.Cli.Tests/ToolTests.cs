using System.Text.Json;

namespace Tether.Cli.Tests;

/// <summary>Settings precedence, ping and bench, as processes against a real server.</summary>
public sealed class ToolTests
{
    [Fact]
    public async Task A_flag_beats_the_environment_which_beats_the_config_file()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();
        string directory = Directory.CreateTempSubdirectory("tether-cli-config").FullName;
        string config = Path.Combine(directory, "config.json");
        await File.WriteAllTextAsync(config, $$"""{"server": "{{server.Address}}", "output": "json"}""");

        ToolResult fromConfig = await ToolRunner.RunAsync(["ping", "-c", "1"], new Dictionary<string, string> { ["TETHER_CONFIG"] = config }, null);
        ToolResult envBeatsConfig = await ToolRunner.RunAsync(["ping", "-c", "1"], new Dictionary<string, string> { ["TETHER_CONFIG"] = config, ["TETHER_SERVER"] = "127.0.0.1:1" }, null);
        ToolResult flagBeatsEnv = await ToolRunner.RunAsync(["ping", "-c", "1", "--server", server.Address, "-o", "table"], new Dictionary<string, string> { ["TETHER_CONFIG"] = config, ["TETHER_SERVER"] = "127.0.0.1:1" }, null);
        ToolResult missingConfig = await ToolRunner.RunAsync("ping", "--config", Path.Combine(directory, "nope.json"));

        Assert.True(fromConfig.ExitCode == 0, fromConfig.ToString());
        using (JsonDocument ping = JsonDocument.Parse(fromConfig.Output)) // output from the config file too
        {
            Assert.Single(ping.RootElement.GetProperty("milliseconds").EnumerateArray());
        }

        Assert.True(envBeatsConfig.ExitCode == 3, envBeatsConfig.ToString());
        Assert.True(flagBeatsEnv.ExitCode == 0, flagBeatsEnv.ToString());
        Assert.Contains("1 pings: min/avg/max", flagBeatsEnv.Output, StringComparison.Ordinal);
        Assert.True(missingConfig.ExitCode == 2, missingConfig.ToString());
    }

    [Fact]
    public async Task Bench_measures_a_bounded_number_of_calls_and_reports_percentiles()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("bench", "Kitchen/Old", """{"To": 1}""", "-s", server.Address, "--callers", "8", "--connections", "2",
            "--warmup", "0s", "--duration", "60s", "--calls", "2000", "-o", "json");
        ToolResult streamRefused = await ToolRunner.RunAsync("bench", "Kitchen/Tally", "-s", server.Address);

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(result.Output);
        JsonElement root = report.RootElement;
        Assert.Equal(2000, root.GetProperty("calls").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal((8, 2), (root.GetProperty("callers").GetInt32(), root.GetProperty("connections").GetInt32()));
        JsonElement latency = root.GetProperty("latencyMicroseconds");
        Assert.True(latency.GetProperty("p50").GetInt64() <= latency.GetProperty("p99").GetInt64());
        Assert.True(latency.GetProperty("p99").GetInt64() <= latency.GetProperty("max").GetInt64());
        Assert.True(root.GetProperty("callsPerSecond").GetDouble() > 0);
        Assert.True(streamRefused.ExitCode == 2, streamRefused.ToString());
        Assert.Contains("is client-stream; bench measures unary, server-streaming and one-way methods", streamRefused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_reads_server_streams_to_their_end_and_counts_their_items()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("bench", "Kitchen/Count", """{"To": 5}""", "-s", server.Address, "--callers", "4",
            "--warmup", "0s", "--duration", "60s", "--calls", "300", "-o", "json");
        ToolResult text = await ToolRunner.RunAsync("bench", "Kitchen/Count", """{"To": 3}""", "-s", server.Address, "--callers", "2",
            "--warmup", "0s", "--duration", "60s", "--calls", "50");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(result.Output);
        JsonElement root = report.RootElement;
        Assert.Equal("server-stream", root.GetProperty("kind").GetString());
        Assert.Equal(300, root.GetProperty("calls").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal(1500, root.GetProperty("items").GetInt64()); // every stream read to its end: five items each
        Assert.True(root.GetProperty("itemsPerSecond").GetDouble() > 0);
        JsonElement first = root.GetProperty("firstItemMicroseconds");
        JsonElement whole = root.GetProperty("latencyMicroseconds");
        Assert.True(first.GetProperty("p50").GetInt64() <= first.GetProperty("max").GetInt64());
        Assert.True(first.GetProperty("max").GetInt64() <= whole.GetProperty("max").GetInt64()); // a first item never comes after its stream's end
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("streams    50 (0 failed)", text.Output, StringComparison.Ordinal);
        Assert.Contains("items      150 (", text.Output, StringComparison.Ordinal);
        Assert.Contains("first item p50", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_sends_one_way_messages_and_the_server_receives_each()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("bench", "Kitchen/Post", """{"Text": "load"}""", "-s", server.Address, "--callers", "4",
            "--warmup", "0s", "--duration", "60s", "--calls", "1000", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(result.Output);
        Assert.Equal("one-way", report.RootElement.GetProperty("kind").GetString());
        Assert.Equal(1000, report.RootElement.GetProperty("calls").GetInt64());
        Assert.Equal(0, report.RootElement.GetProperty("errors").GetInt64());
        Assert.False(report.RootElement.TryGetProperty("items", out _));
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal("load", (await server.Handler.Posted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60))).Text);
        }
    }
}
