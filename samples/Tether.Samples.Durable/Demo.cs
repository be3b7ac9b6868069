using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tether.Samples.Durable;

/// <summary>The demo: a durable server killed with SIGKILL mid-stream and started again, and a client that never notices beyond a pause.</summary>
public static class Demo
{
    /// <summary>Runs the demo; 0 when every tick was applied and echoed exactly once, in order, in one session.</summary>
    public static async Task<int> RunAsync(TextWriter output, long ticks, int kills)
    {
        string directory = Path.Combine(Path.GetTempPath(), "tether-durable-demo-" + Guid.NewGuid().ToString("N"));
        int port = FreePort();
        await using var server = await ServerProcess.StartAsync(port, directory);
        var echoes = new List<long>();
        var done = new TaskCompletionSource();
        var restarted = new TaskCompletionSource<TetherException>();
        var options = new TetherClientOptions();
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(20); // a killed server is back in well under a second
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(200);
        await using var client = new TetherClient(options);
        client.AddHandler(new EchoHandler(n =>
        {
            lock (echoes)
            {
                echoes.Add(n);
                if (echoes.Count == ticks)
                {
                    done.TrySetResult();
                }
            }
        }));
        client.SessionRestarted += e => restarted.TrySetResult(e);
        await client.StartAsync(new IPEndPoint(IPAddress.Loopback, port));
        Guid session = client.Contract!.SessionId;
        output.WriteLine($"session {session:N} (durable: {client.Contract.Durable})");

        Task sending = Task.Run(async () =>
        {
            for (long n = 1; n <= ticks; n++)
            {
                while (n - Count(echoes) > 256)
                {
                    await Task.Delay(1); // a window of ticks in flight, so the kills land mid-stream
                }

                await client.SendAsync(new Tick(n));
            }
        });
        var random = new Random();
        for (int kill = 1; kill <= kills; kill++)
        {
            // A random moment: after some more echoes (progress, not time), at most what the kills leave room for.
            long due = Math.Min(ticks - 1, Count(echoes) + random.NextInt64(1, Math.Max(2, 2 * ticks / (kills + 1))));
            while (Count(echoes) < due)
            {
                await Task.Delay(1);
            }

            await server.KillAsync();
            output.WriteLine($"killed the server (SIGKILL) after {Count(echoes)} echoes; starting it again");
            await server.RestartAsync();
        }

        await sending;
        Doubled doubled = await client.RequestAsync<DoubleRequest, Doubled>(new DoubleRequest(21));
        await Task.WhenAny(done.Task, restarted.Task).WaitAsync(TimeSpan.FromMinutes(2));
        await server.KillAsync();

        IReadOnlyList<long> applied = Inbox.Read(Path.Combine(directory, "effects", session.ToString("N") + ".effects"));
        bool exact = !restarted.Task.IsCompleted && client.Contract!.SessionId == session && doubled.N == 42
            && echoes.SequenceEqual(Enumerable.Range(1, (int)ticks).Select(static i => (long)i))
            && applied.SequenceEqual(Enumerable.Range(1, (int)ticks).Select(static i => (long)i));
        output.WriteLine($"{echoes.Count} echoes, {applied.Count} effects applied, same session: {client.Contract.SessionId == session}; exactly once and in order: {exact}");
        Directory.Delete(directory, recursive: true);
        return exact ? 0 : 1;
    }

    private static int Count(List<long> echoes)
    {
        lock (echoes)
        {
            return echoes.Count;
        }
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

/// <summary>This sample's server, run as a child process (the same executable with <c>--server</c>), killed and started for real.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly int _port;
    private readonly string _directory;
    private Process? _process;

    private ServerProcess(int port, string directory)
    {
        _port = port;
        _directory = directory;
    }

    /// <summary>How many times the server was started.</summary>
    public int Starts { get; private set; }

    /// <summary>Starts the server and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(int port, string directory)
    {
        var server = new ServerProcess(port, directory);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server again (after <see cref="KillAsync"/>) on the same port and directory, and waits until it listens.</summary>
    public async Task RestartAsync()
    {
        string self = typeof(ServerProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [self, "--server", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), _directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        Starts++;
        _ = _process.StandardError.ReadToEndAsync(); // drained, so the child never blocks on a full pipe
        while (await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)) is { } line)
        {
            if (line.StartsWith("listening", StringComparison.Ordinal))
            {
                _ = _process.StandardOutput.ReadToEndAsync();
                return;
            }
        }

        throw new InvalidOperationException($"The server exited with {(_process.HasExited ? _process.ExitCode : -1)} before it listened.");
    }

    /// <summary>Kills the server with SIGKILL (no chance to flush or say goodbye) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true); // SIGKILL on Unix
            await process.WaitForExitAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
