using System.Net;
using Tether.Samples.Durable;

namespace Tether.Samples.Tests;

/// <summary>
/// SPEC §11 and R4.7 for real: the durable sample's server runs as a child process and is killed with SIGKILL at random
/// moments, at least 20 times, while a client streams numbered ticks to it (echoed back as numbered pushes) and makes
/// calls; each time it is started again on the same directory. Everything is asserted on what arrived.
/// </summary>
public sealed class DurableCrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tether-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Killed_twenty_times_the_server_keeps_the_same_session_and_every_tick_echo_and_call_happens_exactly_once_in_order()
    {
        const int Ticks = 12_000;
        const int Kills = 20;
        const int Window = 200;
        int port = Demo.FreePort();
        await using ServerProcess server = await ServerProcess.StartAsync(port, _directory);

        var echoes = new List<long>();
        var progress = new Progress();
        var allEchoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restarted = new TaskCompletionSource<TetherException>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new TetherClientOptions();
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(10);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(100);
        options.Reconnect.Jitter = 0;
        await using var client = new TetherClient(options);
        client.AddHandler(new EchoHandler(n =>
        {
            int count;
            lock (echoes)
            {
                echoes.Add(n);
                count = echoes.Count;
            }

            progress.Reached(count);
            if (count == Ticks)
            {
                allEchoed.TrySetResult();
            }
        }));
        client.SessionRestarted += e => restarted.TrySetResult(e);
        await client.StartAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromMinutes(1));
        Guid session = client.Contract!.SessionId;
        Assert.True(client.Contract.Durable);

        var calls = new List<(long N, Task<Doubled> Reply)>();
        Task sending = Task.Run(async () =>
        {
            for (long n = 1; n <= Ticks; n++)
            {
                await progress.WaitForAsync(n - Window); // a bounded window in flight, so every kill lands mid-stream

                await client.SendAsync(new Tick(n));
                if (n % 97 == 0)
                {
                    lock (calls)
                    {
                        calls.Add((n, client.RequestAsync<DoubleRequest, Doubled>(new DoubleRequest(n), Timeout.InfiniteTimeSpan).AsTask()));
                    }
                }
            }
        });

        var random = new Random(25);
        var killedAt = new List<int>();
        for (int kill = 0; kill < Kills; kill++)
        {
            // A random moment: after a random number of further echoes (progress, not time).
            int due = Math.Min(Ticks - 1, Count(echoes) + random.Next(1, 2 * Ticks / (Kills + 1)));
            await Task.WhenAny(progress.WaitForAsync(due), sending).WaitAsync(TimeSpan.FromMinutes(5));

            await server.KillAsync();
            killedAt.Add(Count(echoes));
            await server.RestartAsync();
        }

        await sending.WaitAsync(TimeSpan.FromMinutes(5));
        await Task.WhenAny(allEchoed.Task, restarted.Task).WaitAsync(TimeSpan.FromMinutes(5));
        if (restarted.Task.IsCompleted)
        {
            Assert.Fail($"The session restarted: {(await restarted.Task).Message}");
        }

        Assert.Equal(session, client.Contract!.SessionId);
        Assert.Equal(Kills + 1, server.Starts);
        Assert.True(killedAt.Count(at => at < Ticks) >= Kills / 2, $"kills at {string.Join(", ", killedAt)}: most must fall mid-stream");

        // Every echo once, in order; every call answered with its own value.
        Assert.Equal(Enumerable.Range(1, Ticks).Select(static i => (long)i), Snapshot(echoes));
        foreach ((long n, Task<Doubled> reply) in calls)
        {
            Assert.Equal(2 * n, (await reply.WaitAsync(TimeSpan.FromMinutes(1))).N);
        }

        // The server's own effects: every tick applied once, in order, across all its lives.
        await server.KillAsync();
        IReadOnlyList<long> applied = Inbox.Read(Path.Combine(_directory, "effects", session.ToString("N") + ".effects"));
        Assert.Equal(Enumerable.Range(1, Ticks).Select(static i => (long)i), applied);
    }

    private static int Count(List<long> echoes)
    {
        lock (echoes)
        {
            return echoes.Count;
        }
    }

    private static long[] Snapshot(List<long> echoes)
    {
        lock (echoes)
        {
            return [.. echoes];
        }
    }

    /// <summary>How many echoes arrived, and tasks that complete when a number is reached.</summary>
    private sealed class Progress
    {
        private readonly List<(long Target, TaskCompletionSource Reached)> _waiters = [];
        private long _count;

        public void Reached(long count)
        {
            List<TaskCompletionSource> done = [];
            lock (_waiters)
            {
                _count = count;
                _waiters.RemoveAll(w =>
                {
                    if (w.Target > count)
                    {
                        return false;
                    }

                    done.Add(w.Reached);
                    return true;
                });
            }

            done.ForEach(static r => r.TrySetResult());
        }

        public Task WaitForAsync(long target)
        {
            lock (_waiters)
            {
                if (_count >= target)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, reached));
                return reached.Task.WaitAsync(TimeSpan.FromMinutes(5)); // no progress for five minutes is a hang
            }
        }
    }
}
