
namespace Tether.Conformance.Tests.Support;

/// <summary>A started server with the conformance handlers, and the clients a test connects to it.</summary>
public sealed class Harness : IAsyncDisposable
{
    /// <summary>Generous: only there to turn a hang into a failure.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<TetherClient> _clients = [];
    private TaskCompletionSource _sessionsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Harness(TransportUnderTest transport, TetherServer server, Probe probe)
    {
        Transport = transport;
        Server = server;
        Probe = probe;
        server.SessionStarted += OnSessionsChanged;
        server.SessionEnded += OnSessionsChanged;
        server.ConnectionClosed += OnConnectionRetired; // also a connection that never became a session (a refused hello)
    }

    public TransportUnderTest Transport { get; }

    public TetherServer Server { get; }

    public Probe Probe { get; }

    public static async Task<Harness> StartAsync(TransportUnderTest transport, Action<TetherServerOptions>? configure = null, Action<TetherServer>? setup = null)
    {
        var options = new TetherServerOptions { EndPoint = transport.NewEndPoint(), Transport = transport.Listener };
        configure?.Invoke(options);
        var probe = new Probe();
        var server = new TetherServer(options);
        server.AddHandler(new ConformanceHandler(probe));
        server.AddHandler(new LedgerHandler(probe));
        server.AddHandler(new CallHeadersHandler(probe));
        server.AddHandler(new StreamsHandler(probe));
        setup?.Invoke(server);
        await server.StartAsync();
        return new Harness(transport, server, probe);
    }

    /// <summary>Connects a client; its pushes go to <paramref name="pushes"/> when given.</summary>
    public async Task<TetherClient> ConnectAsync(Action<TetherClientOptions>? configure = null, Probe? pushes = null, Action<TetherClient>? setup = null)
    {
        var options = new TetherClientOptions { Transport = Transport.Connector };
        configure?.Invoke(options);
        var client = new TetherClient(options);
        if (pushes is not null)
        {
            client.AddHandler(new PushHandler(pushes));
        }

        setup?.Invoke(client);

        lock (_clients)
        {
            _clients.Add(client);
        }

        await client.StartAsync(Server.LocalEndPoint!).WaitAsync(Patience);
        return client;
    }

    /// <summary>Waits until the server lists <paramref name="count"/> active sessions.</summary>
    public Task WaitForSessionsAsync(int count) =>
        WaitForSessionChangeAsync(() => Server.Sessions.Count(static s => s.State == SessionState.Active) == count);

    /// <summary>
    /// Waits, woken by the server's SessionStarted/SessionEnded events (a session has left its groups by the
    /// time SessionEnded fires) and by every connection it retires, until <paramref name="condition"/> holds.
    /// </summary>
    public async Task WaitForSessionChangeAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            // Take the signal before testing, so a change between the test and the wait is not missed.
            Task changed = Volatile.Read(ref _sessionsChanged).Task;
            if (condition())
            {
                return;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    private void OnSessionsChanged(TetherSession session) => OnConnectionRetired();

    private void OnConnectionRetired() =>
        Interlocked.Exchange(ref _sessionsChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async ValueTask DisposeAsync()
    {
        TetherClient[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }

        foreach (TetherClient client in clients)
        {
            await client.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}
