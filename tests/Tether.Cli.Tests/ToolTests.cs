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
        ToolResult streamRefused = await ToolRunner.RunAsync("bench", "Kitchen/Count", "-s", server.Address);

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
        Assert.Contains("bench measures unary methods", streamRefused.Error, StringComparison.Ordinal);
    }
}
