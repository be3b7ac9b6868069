using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tether.Redis.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> of the test's own on a loopback port (installed by <c>scripts/test.sh</c>), without
/// persistence, so a restart loses everything as a crashed cache would. Killed for real; started again on the same port.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly string? _password;
    private Process? _process;

    private RedisProcess(int port, string? password)
    {
        Port = port;
        _password = password;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000" + (_password is null ? "" : ",password=" + _password);

    public static async Task<RedisProcess> StartAsync(string? password = null)
    {
        var redis = new RedisProcess(FreePort(), password);
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>Kills the server (SIGKILL) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server (again) on its port, empty, and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        var start = new ProcessStartInfo("redis-server", ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. _password is null ? Array.Empty<string>() : ["--requirepass", _password]])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (is it installed? scripts/test.sh installs it)");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Wait.UntilAsync(async () =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "redis-server accepts connections");
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
