using System.Net;
using Tether.Samples.Durable;

namespace Tether.Samples.Tests;

/// <summary>
/// SPEC §11 and R4.7 for real: the durable sample's server runs as a child process and is killed with SIGKILL at random
/// moments, at least 20 times, while three clients each stream numbered ticks to it (echoed back as numbered pushes),
/// make calls and run bidirectional streams; each time it is started again on the same directory. Everything is asserted on what arrived.
/// </summary>
public sealed class DurableCrashTests : IDisposable
{
    private const int Ticks = 6_000;
    private const int Window = 200;
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
    public async Task Killed_twenty_times_the_server_keeps_every_session_and_every_tick_echo_and_call_happens_exactly_once_in_order()
    {
        const int Kills = 20;
        int port = Demo.FreePort();
        await using ServerProcess server = await ServerProcess.StartAsync(port, _directory);
        var clients = new List<TickingClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(await TickingClient.StartAsync(port));
            }

            Task sending = Task.WhenAll(clients.Select(static c => c.SendAllAsync()));
            Task<MirrorTally>[] mirrors = [.. clients.Select(c => c.MirrorUntilAsync(sending))];
            var random = new Random(25);
            var killedAt = new List<int>();
            TickingClient paced = clients[0];
            for (int kill = 0; kill < Kills; kill++)
            {
                // A random moment: after a random number of further echoes (progress, not time). Spaced for all twenty
                // to fit in the first quarter of the stream on average: on a loaded machine the echoes go on while the
                // kill is on its way (once ~3,200 between one kill's moment and the kill), and a spacing that spent the
                // whole stream left too few kills mid-stream.
                int due = Math.Min(Ticks - 1, paced.Echoed + random.Next(1, Ticks / (2 * Kills)));
                await Task.WhenAny(paced.Progress.WaitForAsync(due), sending).WaitAsync(TimeSpan.FromMinutes(5));
                await server.KillAsync();
                killedAt.Add(paced.Echoed);
                await server.RestartAsync();
            }

            await sending.WaitAsync(TimeSpan.FromMinutes(5));
            Assert.Equal(Kills + 1, server.Starts);

            // Bidirectional streams running through the kills: each ended whole, or with NotDelivered after echoes that
            // were each once and in order (checked call by call); a stream is never run twice. Calls are back to back,
            // so nearly every kill finds one running on each client.
            MirrorTally[] tallies = await Task.WhenAll(mirrors).WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(tallies.Sum(static t => t.Interrupted) >= 1, $"no kill interrupted a stream: {string.Join(", ", tallies)}");
            Assert.True(tallies.All(static t => t.Completed >= 1), $"a client completed no stream: {string.Join(", ", tallies)}");
            Assert.True(killedAt.Count(at => at < Ticks) >= Kills / 2, $"kills at {string.Join(", ", killedAt)}: most must fall mid-stream");
            foreach (TickingClient client in clients)
            {
                await client.AssertExactlyOnceAsync();
            }

            // The server's own effects: every tick of every session applied once, in order, across all its lives.
            await server.KillAsync();
            foreach (TickingClient client in clients)
            {
                IReadOnlyList<long> applied = Inbox.Read(Path.Combine(_directory, "effects", client.Session.ToString("N") + ".effects"));
                Assert.Equal(Enumerable.Range(1, Ticks).Select(static i => (long)i), applied);
            }
        }
        finally
        {
            foreach (TickingClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>One client: ticks out with a bounded window in flight, echoes in, a call every 97 ticks.</summary>
    private sealed class TickingClient : IAsyncDisposable
    {
        private readonly List<long> _echoes = [];
        private readonly List<(long N, Task<Doubled> Reply)> _calls = [];
        private readonly TaskCompletionSource _allEchoed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<TetherException> _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TetherClient _client = null!;

        public Progress Progress { get; } = new();

        public Guid Session { get; private set; }

        public int Echoed
        {
            get
            {
                lock (_echoes)
                {
                    return _echoes.Count;
                }
            }
        }

        public static async Task<TickingClient> StartAsync(int port)
        {
            var ticking = new TickingClient();
            var options = new TetherClientOptions();
            options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(10);
            options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(100);
            options.Reconnect.Jitter = 0;
            ticking._client = new TetherClient(options);
            ticking._client.AddHandler(new EchoHandler(ticking.OnEcho));
            ticking._client.SessionRestarted += e => ticking._restarted.TrySetResult(e);
            await ticking._client.StartAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromMinutes(1));
            ticking.Session = ticking._client.Contract!.SessionId;
            Assert.True(ticking._client.Contract.Durable);
            return ticking;
        }

        private void OnEcho(long n)
        {
            int count;
            lock (_echoes)
            {
                _echoes.Add(n);
                count = _echoes.Count;
            }

            Progress.Reached(count);
            if (count == Ticks)
            {
                _allEchoed.TrySetResult();
            }
        }

        public Task SendAllAsync() => Task.Run(async () =>
        {
            for (long n = 1; n <= Ticks; n++)
            {
                await Progress.WaitForAsync(n - Window); // a bounded window in flight, so every kill lands mid-stream
                await _client.SendAsync(new Tick(n));
                if (n % 97 == 0)
                {
                    lock (_calls)
                    {
                        _calls.Add((n, _client.RequestAsync<DoubleRequest, Doubled>(new DoubleRequest(n), Timeout.InfiniteTimeSpan).AsTask()));
                    }
                }
            }
        });

        /// <summary>
        /// Bidirectional calls back to back until <paramref name="until"/> completes and one has run whole, each sending 25
        /// ticks one at a time and reading each echo before the next: every echo once and in order, the call ending whole
        /// or with <see cref="TetherErrorCode.NotDelivered"/> (a kill) after them.
        /// </summary>
        public Task<MirrorTally> MirrorUntilAsync(Task until) => Task.Run(async () =>
        {
            const int MirrorItems = 25;
            var ledger = new LedgerHandler.Client(_client);
            int completed = 0, interrupted = 0;
            // Until the ticks are all sent, and past that until one stream has run whole (the kills are over by then).
            for (int round = 0; round < 100_000 && !(until.IsCompleted && completed > 0); round++)
            {
                using DuplexStreamingCall<Tick, Tock> call = ledger.OpenMirror();
                await using IAsyncEnumerator<Tock> echoes = call.ReadResponsesAsync().GetAsyncEnumerator();
                long echoed = 0;
                try
                {
                    for (long n = 1; n <= MirrorItems; n++)
                    {
                        await call.RequestStream.WriteAsync(new Tick(n));
                        Assert.True(await echoes.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(5)), $"the stream ended after {echoed} echoes");
                        Assert.Equal(n, echoes.Current.N); // once each, in order: a stream run again would repeat 1
                        echoed = n;
                    }

                    await call.RequestStream.CompleteAsync();
                    Assert.False(await echoes.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(5)));
                    completed++;
                }
                catch (TetherException e) when (e.Code == TetherErrorCode.NotDelivered)
                {
                    interrupted++;
                }
            }

            return new MirrorTally(completed, interrupted);
        });

        /// <summary>The same session throughout; every echo once, in order; every call answered with its own value.</summary>
        public async Task AssertExactlyOnceAsync()
        {
            await Task.WhenAny(_allEchoed.Task, _restarted.Task).WaitAsync(TimeSpan.FromMinutes(5));
            if (_restarted.Task.IsCompleted)
            {
                Assert.Fail($"The session restarted: {(await _restarted.Task).Message}");
            }

            Assert.Equal(Session, _client.Contract!.SessionId);
            lock (_echoes)
            {
                Assert.Equal(Enumerable.Range(1, Ticks).Select(static i => (long)i), _echoes);
            }

            foreach ((long n, Task<Doubled> reply) in _calls)
            {
                Assert.Equal(2 * n, (await reply.WaitAsync(TimeSpan.FromMinutes(1))).N);
            }
        }

        public ValueTask DisposeAsync() => _client?.DisposeAsync() ?? default;
    }

    /// <summary>What a client's bidirectional streams came to.</summary>
    private readonly record struct MirrorTally(int Completed, int Interrupted);

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
