using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// Retries where the order of events matters (decision 0022): a first run that ended before its retry arrived, the
/// retry budget, and a server's RetryAfter. The transport-independent cases are in the conformance suite.
/// </summary>
public sealed class RetryTests
{
    private static async Task<(TetherServer Server, PaymentsHandler Payments, Probe Probe)> StartServerAsync(InMemoryTransport transport)
    {
        var probe = new Probe();
        var payments = new PaymentsHandler(probe);
        var server = new TetherServer(new TetherServerOptions { EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")), Transport = transport });
        server.AddHandler(payments);
        await server.StartAsync();
        return (server, payments, probe);
    }

    [Fact]
    public async Task A_run_that_finished_after_its_session_died_answers_the_retry_on_the_next_session()
    {
        var transport = new InMemoryTransport();
        (TetherServer server, PaymentsHandler payments, Probe probe) = await StartServerAsync(transport);
        await using TetherServer running = server;
        var sessionEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionEnded += _ => sessionEnded.TrySetResult();
        var chaos = new ChaosConnector(transport);
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos, Resumable = false }));
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnecting += _ => reconnecting.TrySetResult();
        await client.StartAsync(server.LocalEndPoint!).Within();
        var charges = new IPayments.Client(client);

        Task<ChargeReply> charge = charges.Charge(new ChargeRequest("order-9", 70, Block: true, FailTimes: 0), CallOptions.WithTimeout(Harness.Patience)).AsTask();
        Assert.Equal(1, await probe.Started.Reader.ReadAsync().AsTask().Within());
        chaos.Hold(); // the client stays away until the first run has ended and been kept
        chaos.Cut();
        await reconnecting.Task.Within();
        await sessionEnded.Task.Within();
        probe.Gate.TrySetResult(); // its session is gone: the answer has nowhere to go, but the result is kept
        chaos.Release();

        Assert.Equal(new ChargeReply("order-9", 70, 1), await charge.Within());
        Assert.Equal(1, payments.Runs["order-9"]);
    }

    [Fact]
    public async Task The_budget_stops_retries_when_most_calls_fail()
    {
        var transport = new InMemoryTransport();
        (TetherServer server, PaymentsHandler payments, _) = await StartServerAsync(transport);
        await using TetherServer running = server;
        var options = new TetherClientOptions { Transport = transport };
        options.Retry = new RetryPolicy { MaxAttempts = 5, InitialBackoff = TimeSpan.Zero, BudgetTokens = 4, BudgetTokenRatio = 0.5 };
        await using var client = new TetherClient(options);
        await client.StartAsync(server.LocalEndPoint!).Within();
        var charges = new IPayments.Client(client);

        // Budget 4, retries only above 2: the first call fails (3 left) and is retried once (2 left: no more); the second
        // fails (1 left) and is not retried. Without a budget each would have made 5 attempts.
        await Assert.ThrowsAsync<TetherException>(() => charges.Charge(new ChargeRequest("a", 1, Block: false, FailTimes: 99)).Within());
        await Assert.ThrowsAsync<TetherException>(() => charges.Charge(new ChargeRequest("b", 1, Block: false, FailTimes: 99)).Within());
        Assert.Equal(2, payments.Runs["a"]);
        Assert.Equal(1, payments.Runs["b"]);

        // Successes earn tokens back: 1 + 6 × 0.5 = 4, so a failing call (4 → 3, above half) gets one retry again.
        for (int i = 0; i < 6; i++)
        {
            await charges.Charge(new ChargeRequest($"ok-{i}", 1, Block: false, FailTimes: 0)).Within();
        }

        await Assert.ThrowsAsync<TetherException>(() => charges.Charge(new ChargeRequest("c", 1, Block: false, FailTimes: 99)).Within());
        Assert.Equal(2, payments.Runs["c"]);
    }

    [Fact]
    public async Task A_retry_waits_the_time_the_server_asked_for_instead_of_the_backoff()
    {
        var transport = new InMemoryTransport();
        (TetherServer server, PaymentsHandler payments, _) = await StartServerAsync(transport);
        await using TetherServer running = server;
        payments.RetryAfter = TimeSpan.FromSeconds(7);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new RetryLog();
        using ILoggerFactory logging = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        await using var client = new TetherClient(new TetherClientOptions { Transport = transport, TimeProvider = time }, logging);
        await client.StartAsync(server.LocalEndPoint!).Within();

        Task<ChargeReply> charge = new IPayments.Client(client).Charge(new ChargeRequest("limited", 1, Block: false, FailTimes: 1)).AsTask();
        string retrying = await log.Retrying.Task.Within();
        Assert.Contains("RateLimited on attempt 1; trying again in 7000 ms", retrying, StringComparison.Ordinal);
        Assert.False(charge.IsCompleted);
        Assert.Equal(1, payments.Runs["limited"]);

        time.Advance(TimeSpan.FromSeconds(7)); // the wait is on the client's clock: only now does the second attempt go
        Assert.Equal(2, (await charge.Within()).Run);
    }

    /// <summary>Signals the first "trying again" log entry (the retry's wait, logged before it starts).</summary>
    private sealed class RetryLog : ILoggerProvider, ILogger
    {
        public TaskCompletionSource<string> Retrying { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            if (message.Contains("trying again", StringComparison.Ordinal))
            {
                Retrying.TrySetResult(message);
            }
        }

        public void Dispose()
        {
        }
    }
}
