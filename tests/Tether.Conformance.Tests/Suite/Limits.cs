using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Call_times_out_with_a_typed_error_and_the_handler_is_cancelled()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<DeadlineExceededException>(() =>
            client.RequestAsync<SlowRequest, EchoReply>(new SlowRequest(5), TimeSpan.FromMilliseconds(100)).Within());

        Assert.Equal(TetherErrorCode.CallTimedOut, error.Code);
        // Both sides hold the same deadline: either may give up first, and the error says which.
        Assert.Contains(error.ServerGaveUp ? "server stopped the handler" : "caller gave up", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, await harness.Probe.Cancellations.NextAsync());
        Assert.Equal(0, client.PendingCalls);
    }

    [Fact]
    public async Task Cancelling_a_call_reaches_the_handlers_token()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        using var cancel = new CancellationTokenSource();

        ValueTask<EchoReply> call = client.RequestAsync<SlowRequest, EchoReply>(new SlowRequest(8), cancel.Token);
        Assert.Equal(8, await harness.Probe.Started.NextAsync());
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        Assert.Equal(8, await harness.Probe.Cancellations.NextAsync());
    }

    [Fact]
    public async Task Full_pending_table_fails_the_next_call_at_once_and_the_others_complete()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync(o => o.MaxPendingCalls = 4);
        var blocked = Enumerable.Range(0, 4).Select(i => client.RequestAsync(new BlockRequest(i)).AsTask()).ToArray();
        await harness.Probe.Started.TakeAsync(4);

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "one too many")).Within());

        Assert.Equal(TetherErrorCode.PendingCallsExceeded, error.Code);
        Assert.True(error.IsRetryable);
        harness.Probe.Gate.SetResult();
        await Task.WhenAll(blocked).Within();
        Assert.Equal(new EchoReply(2, "room again"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, "room again")).Within());
    }

    [Fact]
    public async Task In_flight_limit_per_session_refuses_the_extra_call()
    {
        await using Harness harness = await StartAsync(o => o.MaxInFlightCallsPerSession = 2);
        TetherClient client = await harness.ConnectAsync();
        var blocked = Enumerable.Range(0, 2).Select(i => client.RequestAsync(new BlockRequest(i)).AsTask()).ToArray();
        await harness.Probe.Started.TakeAsync(2);

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "x")).Within());

        Assert.Equal(TetherErrorCode.InFlightCallsExceeded, error.Code);
        harness.Probe.Gate.SetResult();
        await Task.WhenAll(blocked).Within();
        // A reply leaves before its handler's slot is counted free (the count also gates a drain, which must not end
        // before the reply is written), so the client may see it a moment early: the refusal is retryable, and a
        // retry (a round trip each, at most 1,000) finds room.
        EchoReply? reply = null;
        for (int attempt = 0; attempt < 1000 && reply is null; attempt++)
        {
            try
            {
                reply = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "x")).Within();
            }
            catch (TetherException e) when (e.Code == TetherErrorCode.InFlightCallsExceeded && e.IsRetryable)
            {
            }
        }

        Assert.Equal(new EchoReply(1, "x"), reply);
    }

    [Fact]
    public async Task Message_larger_than_the_peers_frame_limit_fails_before_sending()
    {
        await using Harness harness = await StartAsync(o => o.MaxFrameSize = 64 * 1024);
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() =>
            client.RequestAsync<Payload, Payload>(new Payload(new byte[100_000])).Within());

        Assert.Equal(TetherErrorCode.MessageTooLarge, error.Code);
        Payload fits = await client.RequestAsync<Payload, Payload>(new Payload(new byte[60_000])).Within();
        Assert.Equal(60_000, fits.Data.Length);
    }

    [Fact]
    public async Task Reply_larger_than_the_callers_frame_limit_is_a_typed_error_for_that_call()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync(o => o.MaxFrameSize = 16 * 1024);

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<Inflate, Payload>(new Inflate(100_000)).Within());

        Assert.Equal(TetherErrorCode.MessageTooLarge, error.Code);
        Assert.Equal(10_000, (await client.RequestAsync<Inflate, Payload>(new Inflate(10_000)).Within()).Data.Length);
    }

    [Fact]
    public async Task Connection_limit_refuses_the_extra_client_with_a_typed_error()
    {
        await using Harness harness = await StartAsync(o => o.MaxConnections = 2);
        await harness.ConnectAsync();
        await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync());

        Assert.Equal(TetherErrorCode.ConnectionLimitExceeded, error.Code);
        await harness.WaitForSessionsAsync(2);
    }
}
