using Tether.Samples.Quickstart;

namespace Tether.Samples.Tests;

/// <summary>Every sample, run with no arguments, plays its demo and exits 0.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task Quickstart_demo_runs_end_to_end()
    {
        using var output = new StringWriter();
        int exitCode = await Demo.RunAsync(output);
        string text = output.ToString();

        Assert.Equal(0, exitCode);
        Assert.Contains("[codec] encoded in 34 bytes", text, StringComparison.Ordinal);
        Assert.Contains("[codec] decoded back equal: True", text, StringComparison.Ordinal);
        Assert.Contains("read by v1: True", text, StringComparison.Ordinal);
        Assert.Contains("1001 decode.truncated", text, StringComparison.Ordinal);
        Assert.Contains("Receipt { OrderId = 123456789, Accepted = True, Reason =  }", text, StringComparison.Ordinal);
        Assert.Contains("Accepted = False, Reason = quantity must be positive", text, StringComparison.Ordinal);
        Assert.Equal(3, text.Split('\n').Count(static line => line.Contains("[dispatch] stream item Quote", StringComparison.Ordinal)));
        Assert.Contains("one-way notes received: demo ran", text, StringComparison.Ordinal);
        Assert.Contains("[dispatch] end of stream", text, StringComparison.Ordinal);
        Assert.Contains("ServerStreaming Quotes(3) -> 4", text, StringComparison.Ordinal);
        Assert.EndsWith("done" + Environment.NewLine, text, StringComparison.Ordinal);
    }
}
