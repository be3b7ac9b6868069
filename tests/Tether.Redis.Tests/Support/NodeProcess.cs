using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Tether.Redis.Tests.Support;

/// <summary>A node of the cluster sample as its own process (<c>Tether.Samples.Cluster</c>), killed for real.</summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _events = [];
    private readonly TaskCompletionSource<(int Port, string NodeId)> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _listening.TrySetException(new InvalidOperationException("The node exited before it listened: " + string.Join(" | ", Events)));
                return;
            }

            lock (_events)
            {
                _events.Add(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                _listening.TrySetResult((int.Parse(match.Groups[1].Value), match.Groups[2].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_events)
                {
                    _events.Add("stderr: " + e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    public string NodeId { get; private set; } = "";

    /// <summary>What the node printed (its events: joined, left, redis-data-lost, gap).</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public static async Task<NodeProcess> StartAsync(RedisProcess redis, string name)
    {
        string configuration = typeof(NodeProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string dll = Path.Combine(AppContext.BaseDirectory, "Tether.Samples.Cluster.dll"); // copied beside the tests by the project reference
        Assert.True(File.Exists(dll), $"{dll} was not built ({configuration})");
        var start = new ProcessStartInfo("dotnet", [dll, "0", redis.Configuration, name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var node = new NodeProcess(Process.Start(start)!);
        (int port, string nodeId) = await node._listening.Task.WaitAsync(Wait.Patience);
        node.EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        node.NodeId = nodeId;
        return node;
    }

    /// <summary>SIGKILL: no goodbye to its clients or the cluster.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().WaitAsync(Wait.Patience);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // a clean stop
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^listening (\d+) (\S+)$")]
    private static partial Regex ListeningLine();
}
