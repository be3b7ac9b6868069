using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Retries and idempotency keys on every transport (decision 0022): a retried call runs its handler once.</summary>
public abstract partial class ConformanceSuite
{
    private async Task<(Harness Harness, PaymentsHandler Payments)> StartPaymentsAsync(Action<TetherServerOptions>? configure = null)
    {
        PaymentsHandler? payments = null;
        Harness harness = await StartAsync(configure, server =>
        {
            payments = new PaymentsHandler(new Probe());
            server.AddHandler(payments);
        });
        return (harness, payments!);
    }

    [Fact]
    public async Task A_call_retried_after_its_session_died_runs_the_handler_once()
    {
        var probe = new Probe();
        var payments = new PaymentsHandler(probe);
        await using Harness harness = await StartAsync(setup: server => server.AddHandler(payments));
        // Not resumable: a cut link ends the session, so only a retry on a new session can finish the call.
        TetherClient client = await harness.ConnectAsync(o =>
        {
            o.Resumable = false;
            o.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(5);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        });
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += _ => restarted.TrySetResult();
        Guid first = client.Contract!.SessionId;
        var charges = new IPayments.Client(client);

        Task<ChargeReply> charge = charges.Charge(new ChargeRequest("order-1", 250, Block: true, FailTimes: 0), CallOptions.WithTimeout(Harness.Patience)).AsTask();
        Assert.Equal(1, await probe.Started.Reader.ReadAsync().AsTask().Within());
        harness.Server.Sessions.Single().Connection.AbortLink(new TetherException(TetherErrorCode.ConnectionClosed, "cut by the test"));
        await restarted.Task.Within();
        Assert.NotEqual(first, client.Contract!.SessionId);
        Assert.False(charge.IsCompleted); // the retry waits on the new session for the first run, still blocked

        probe.Gate.TrySetResult();
        ChargeReply reply = await charge.Within();

        Assert.Equal(new ChargeReply("order-1", 250, 1), reply);
        Assert.Equal(1, payments.Runs["order-1"]);
        string[] runs = [.. probe.Log];
        Assert.Single(runs);
        Assert.DoesNotContain("key none", runs[0], StringComparison.Ordinal); // a retried call always carries a key
    }

    [Fact]
    public async Task An_idempotent_call_that_fails_retryably_is_retried_until_it_succeeds()
    {
        (Harness harness, PaymentsHandler payments) = await StartPaymentsAsync();
        await using Harness _ = harness;
        var charges = new IPayments.Client(await harness.ConnectAsync(o => o.Retry.InitialBackoff = TimeSpan.FromMilliseconds(1)));

        ChargeReply reply = await charges.Charge(new ChargeRequest("order-2", 10, Block: false, FailTimes: 2)).Within();

        Assert.Equal(3, reply.Run); // two retryable failures (not kept by the server), then the run that succeeded
        Assert.Equal(3, payments.Runs["order-2"]);
    }

    [Fact]
    public async Task A_call_that_is_not_idempotent_is_not_retried()
    {
        (Harness harness, PaymentsHandler payments) = await StartPaymentsAsync();
        await using Harness _ = harness;
        var charges = new IPayments.Client(await harness.ConnectAsync(o => o.Retry.InitialBackoff = TimeSpan.FromMilliseconds(1)));

        var error = await Assert.ThrowsAsync<TetherException>(() => charges.Transfer(new ChargeRequest("order-3", 10, Block: false, FailTimes: 1)).Within());

        Assert.Equal(TetherErrorCode.InFlightCallsExceeded, error.Code);
        Assert.Equal(1, payments.Runs["order-3"]);

        // The caller may vouch for it: a policy in the call's options retries it.
        ChargeReply reply = await charges.Transfer(new ChargeRequest("order-4", 10, Block: false, FailTimes: 1),
            new CallOptions { Retry = new RetryPolicy { InitialBackoff = TimeSpan.Zero } }).Within();
        Assert.Equal(2, reply.Run);
    }

    [Fact]
    public async Task A_server_stream_is_retried_until_its_first_item_and_not_after()
    {
        (Harness harness, PaymentsHandler payments) = await StartPaymentsAsync();
        await using Harness _ = harness;
        var charges = new IPayments.Client(await harness.ConnectAsync(o => o.Retry.InitialBackoff = TimeSpan.FromMilliseconds(1)));

        // Two runs fail before their first item: the third is the caller's, and only its items arrive.
        List<ChargeReply> receipts = await charges.Receipts(new ChargeRequest("stream-1", 10, Block: false, FailTimes: 2)).ToListAsync().AsTask().Within();
        Assert.Equal([new ChargeReply("stream-1", 10, 3), new ChargeReply("stream-1", 11, 3)], receipts);
        Assert.Equal(3, payments.Runs["stream-1"]);

        // A run that fails after its first item is committed: the caller gets that item, then the error, and no retry.
        var seen = new List<ChargeReply>();
        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            await foreach (ChargeReply receipt in charges.Receipts(new ChargeRequest("stream-2", 20, Block: true, FailTimes: 1)))
            {
                seen.Add(receipt);
            }
        }).Within();
        Assert.Equal(TetherErrorCode.InFlightCallsExceeded, error.Code);
        Assert.Equal([new ChargeReply("stream-2", 20, 1)], seen);
        Assert.Equal(1, payments.Runs["stream-2"]);

        // Out of attempts (three by default): the last failure reaches the caller.
        var exhausted = await Assert.ThrowsAsync<TetherException>(() => charges.Receipts(new ChargeRequest("stream-3", 30, Block: false, FailTimes: 5)).ToListAsync().AsTask()).Within();
        Assert.Equal(TetherErrorCode.InFlightCallsExceeded, exhausted.Code);
        Assert.Equal(3, payments.Runs["stream-3"]);
    }

    [Fact]
    public async Task RetryPolicy_None_on_the_call_turns_a_server_streams_retries_off()
    {
        (Harness harness, PaymentsHandler payments) = await StartPaymentsAsync();
        await using Harness _ = harness;
        var charges = new IPayments.Client(await harness.ConnectAsync(o => o.Retry.InitialBackoff = TimeSpan.FromMilliseconds(1)));

        // RetryPolicy.None on the call turns the method's retries off.
        var refused = await Assert.ThrowsAsync<TetherException>(() =>
            charges.Receipts(new ChargeRequest("stream-4", 40, Block: false, FailTimes: 1), new CallOptions { Retry = RetryPolicy.None }).ToListAsync().AsTask()).Within();
        Assert.Equal(TetherErrorCode.InFlightCallsExceeded, refused.Code);
        Assert.Equal(1, payments.Runs["stream-4"]);
    }

    [Fact]
    public async Task A_key_given_by_the_caller_answers_a_repeat_from_the_first_result_and_refuses_another_request()
    {
        (Harness harness, PaymentsHandler payments) = await StartPaymentsAsync();
        await using Harness _ = harness;
        var charges = new IPayments.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();
        var keyed = new CallOptions { IdempotencyKey = "invoice-77", ResponseTrailers = trailers };

        ChargeReply first = await charges.Transfer(new ChargeRequest("order-5", 99, Block: false, FailTimes: 0), keyed).Within();
        ChargeReply repeat = await charges.Transfer(new ChargeRequest("order-5", 99, Block: false, FailTimes: 0), keyed).Within();
        var other = await Assert.ThrowsAsync<TetherException>(() =>
            charges.Transfer(new ChargeRequest("order-5", 100, Block: false, FailTimes: 0), keyed).Within());

        Assert.Equal(first, repeat);
        Assert.Equal(1, payments.Runs["order-5"]);
        Assert.Equal(TetherErrorCode.IdempotencyKeyReused, other.Code);

        // Another method, or no key: a call of its own.
        ChargeReply unkeyed = await charges.Transfer(new ChargeRequest("order-5", 99, Block: false, FailTimes: 0)).Within();
        Assert.Equal(2, unkeyed.Run);
    }
}
