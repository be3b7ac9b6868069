using System.Diagnostics;

namespace Tether.Benchmarks.Network;

/// <summary>Starts this executable in server mode as a separate process and reads the port it listens on.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <param name="framework">The server to run.</param>
    /// <param name="extra">More arguments (<c>--observe MODE</c>).</param>
    public static ServerProcess Start(string framework, params string[] extra)
    {
        string self = typeof(ServerProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [self, "--serve", framework, .. extra])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server process");
        string? line = process.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"the {framework} server did not start: {line}");
        }

        return new ServerProcess(process, int.Parse(line.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        // Closing stdin asks the server to exit; kill it if it does not.
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
