using System.CommandLine;
using System.Globalization;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli.Commands;

/// <summary><c>tether ping</c>: round trips with ping frames (no handler runs), then the minimum, average and maximum.</summary>
internal static class PingCommand
{
    public static Command Create(CommandRunner runner)
    {
        var count = new Option<int>("--count", "-c") { Description = "How many pings (default 4).", DefaultValueFactory = static _ => 4 };
        var interval = new Option<string>("--interval", "-i") { Description = "Time between pings (default 200ms).", DefaultValueFactory = static _ => "200ms" };
        var command = new Command("ping", "Measure round-trip times to the server.") { count, interval };
        command.SetAction(runner.Connected(async run =>
        {
            int n = run.Parse.GetValue(count);
            if (n < 1)
            {
                throw new UsageException("--count must be 1 or more.");
            }

            TimeSpan wait = Durations.Parse(run.Parse.GetValue(interval)!, "interval");
            var samples = new List<double>(n);
            for (int i = 1; i <= n; i++)
            {
                if (i > 1)
                {
                    await Task.Delay(wait, run.Cancellation).ConfigureAwait(false); // pacing between pings, as ping(8) does
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation);
                timeout.CancelAfter(run.Settings.Timeout);
                TimeSpan rtt;
                try
                {
                    rtt = await run.Client.PingAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!run.Cancellation.IsCancellationRequested)
                {
                    throw new TetherException(TetherErrorCode.CallTimedOut, $"No pong within {run.Settings.Timeout.TotalSeconds:0.###} s.");
                }

                samples.Add(rtt.TotalMilliseconds);
                if (!run.Json)
                {
                    run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pong from {run.Settings.Server}: seq={i} time={rtt.TotalMilliseconds:0.000} ms"));
                }
            }

            if (run.Json)
            {
                Json.Write(run.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("server", run.Settings.Server);
                    writer.WriteStartArray("milliseconds");
                    samples.ForEach(writer.WriteNumberValue);
                    writer.WriteEndArray();
                    writer.WriteNumber("min", samples.Min());
                    writer.WriteNumber("avg", samples.Average());
                    writer.WriteNumber("max", samples.Max());
                    writer.WriteEndObject();
                });
            }
            else
            {
                run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} pings: min/avg/max = {samples.Min():0.000}/{samples.Average():0.000}/{samples.Max():0.000} ms"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
