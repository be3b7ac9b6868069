using Tether.Conformance.Tests.Support;
using Tether.Framing;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Call headers on every transport: metadata and trailing metadata, deadlines, propagation, hostile blocks.</summary>
public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Metadata_reaches_the_handler_and_its_trailing_metadata_comes_back()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();
        var metadata = new CallMetadata { { "tenant", "acme" }, { "blob", new byte[] { 0xCA, 0xFE } } };

        HeaderEcho echo = await client.Inspect(new HeaderProbe(1), new CallOptions { Metadata = metadata, ResponseTrailers = trailers }).Within();

        Assert.Equal("tenant=acme;blob=0xCAFE", echo.Seen);
        Assert.Equal(-1, echo.DeadlineMs); // no deadline was set, and the default timeout stays local
        Assert.Equal("Inspect", trailers.GetString("handled-by"));
        Assert.Equal([1, 2, 3], trailers.GetBytes("raw")!.Value.ToArray());
    }

    [Fact]
    public async Task A_call_without_options_carries_no_metadata_and_no_deadline()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        HeaderEcho echo = await client.Inspect(new HeaderProbe(2)).Within();

        Assert.Equal(new HeaderEcho(2, "", -1), echo);
    }

    [Fact]
    public async Task A_deadline_travels_and_the_handler_sees_the_budget_left()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        HeaderEcho echo = await client.Inspect(new HeaderProbe(3), CallOptions.WithTimeout(TimeSpan.FromSeconds(30))).Within();

        Assert.InRange(echo.DeadlineMs, 1, 30_000);
    }

    [Fact]
    public async Task At_the_deadline_the_handlers_token_fires_and_the_caller_gets_deadline_exceeded()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        var error = await Assert.ThrowsAsync<DeadlineExceededException>(() =>
            client.Expire(new DeadlineProbe(4), CallOptions.WithTimeout(TimeSpan.FromMilliseconds(200))).Within());

        Assert.Equal(TetherErrorCode.CallTimedOut, error.Code);
        Assert.Equal(4, await harness.Probe.Cancellations.NextAsync());
        Assert.Contains("expire 4: deadline set", harness.Probe.Log);
    }

    [Fact]
    public async Task A_deadline_already_passed_fails_the_call_before_it_is_sent()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        var error = await Assert.ThrowsAsync<DeadlineExceededException>(() =>
            client.Inspect(new HeaderProbe(5), new CallOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) }).Within());

        Assert.False(error.ServerGaveUp);
        Assert.Contains("before it was sent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_answer_carries_its_trailing_metadata()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();

        var error = await Assert.ThrowsAsync<TetherException>(() =>
            client.Refuse(new RelayRequest(6), new CallOptions { ResponseTrailers = trailers }).Within());

        Assert.Equal(TetherErrorCode.UnexpectedReply, error.Code);
        Assert.Equal("refused on purpose", trailers.GetString("reason"));
    }

    [Fact]
    public async Task A_streams_end_carries_its_trailing_metadata()
    {
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();

        var ticks = new List<int>();
        await foreach (Tick tick in client.Ticks(new HeaderProbe(3), new CallOptions { ResponseTrailers = trailers }))
        {
            ticks.Add(tick.Sequence);
        }

        Assert.Equal([0, 1, 2], ticks);
        Assert.Equal("3", trailers.GetString("count"));
    }

    [Fact]
    public async Task Deadline_and_cancellation_propagate_across_two_hops()
    {
        await using Harness downstream = await StartAsync();
        await using Harness relay = await StartAsync();
        relay.Probe.Downstream = await downstream.ConnectAsync();
        var client = new CallHeadersHandler.Client(await relay.ConnectAsync());

        // The deadline: the second hop sees the first call's budget (less what the first hop used), and its metadata.
        HeaderEcho echo = await client.Relay(new DownstreamRequest(7, ToExpire: false), CallOptions.WithTimeout(TimeSpan.FromSeconds(20))).Within();
        Assert.Equal("hop=2", echo.Seen);
        Assert.InRange(echo.DeadlineMs, 1, 20_000);

        // Cancellation: cancelling the first call cancels the handler two hops away.
        using var cancel = new CancellationTokenSource();
        ValueTask<HeaderEcho> call = client.Relay(new DownstreamRequest(8, ToExpire: true), new CallOptions { CancellationToken = cancel.Token });
        Assert.Equal(8, await downstream.Probe.Started.NextAsync());
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        Assert.Equal(8, await downstream.Probe.Cancellations.NextAsync());
    }

    public static TheoryData<string, byte[], TetherErrorCode> HostileCallHeaders => new()
    {
        { "truncated", [0x05, 0x04, 0x03], TetherErrorCode.InvalidCallHeaders },
        { "over the limit", [0x81, 0x40], TetherErrorCode.CallHeadersTooLarge },
        { "duplicate keys", [0x0A, 0x04, 0x03, 0x01, (byte)'k', (byte)'a', 0x04, 0x03, 0x01, (byte)'k', (byte)'b'], TetherErrorCode.InvalidCallHeaders },
        { "invalid UTF-8", [0x05, 0x04, 0x03, 0x01, (byte)'k', 0xFF], TetherErrorCode.InvalidCallHeaders },
        { "upper-case key", [0x05, 0x04, 0x03, 0x01, (byte)'K', (byte)'v'], TetherErrorCode.InvalidCallHeaders },
    };

    [Theory]
    [MemberData(nameof(HostileCallHeaders))]
    public async Task Hostile_call_headers_refuse_only_that_call_and_the_link_stays(string what, byte[] block, TetherErrorCode expected)
    {
        await using Harness harness = await StartAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await attacker.ReadFrameAsync())?.Header.Type);
        int inspect = MethodIds.Derive("CallHeaders", "Inspect");
        byte[] body = TetherCodec.ToArray(new HeaderProbe(9));

        await attacker.SendFrameAsync(FrameType.Request, 1, inspect, [.. block, .. body], FrameFlags.Headers);

        var refused = await attacker.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Error, refused?.Header.Type);
        Assert.Equal(1u, refused?.Header.CallId);
        Assert.True((int)expected == refused?.Header.MessageId, what);

        // The same link still serves a well-formed call.
        await attacker.SendFrameAsync(FrameType.Request, 2, inspect, body);
        var answer = await attacker.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Response, answer?.Header.Type);
        Assert.Equal(FrameFlags.Headers, answer!.Value.Header.Flags); // the handler's trailing metadata
        Assert.Equal(TetherErrorCode.None, CallHeaderCodec.TryRead(new System.Buffers.ReadOnlySequence<byte>(answer.Value.Payload),
            new CallHeaderLimits(8192, 64), out IncomingCallHeaders? trailers, out System.Buffers.ReadOnlySequence<byte> reply, out _));
        Assert.Equal("Inspect", trailers!.Metadata.GetString("handled-by"));
        Assert.Equal(new HeaderEcho(9, "", -1), TetherCodec.Decode<HeaderEcho>(reply));
    }
}
