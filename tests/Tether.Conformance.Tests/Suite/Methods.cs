using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Sessions;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Dispatch by method: methods sharing a message type, calls by message type, unknown methods, old peers.</summary>
public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Methods_sharing_a_message_type_are_each_called_by_their_id()
    {
        await using Harness harness = await StartAsync();
        var ledger = new ILedger.Client(await harness.ConnectAsync());

        Assert.Equal(new Balance(1, 10, "credit"), await ledger.Credit(new Entry(1, 10)).Within());
        Assert.Equal(new Balance(1, -10, "debit"), await ledger.Debit(new Entry(1, 10)).Within());
        Assert.Equal([10L, 20L, 30L], await ledger.History(new Entry(1, 10)).Select(b => b.Amount).ToListAsync().Within());

        await ledger.Record(new Entry(1, 7)).Within();
        Notice recorded = await harness.Probe.Notices.NextAsync();
        Assert.Equal(new Notice(7, "recorded"), recorded);
    }

    [Fact]
    public async Task A_handler_pushes_to_its_caller_through_the_call_context()
    {
        await using Harness harness = await StartAsync();
        var pushes = new Probe();
        var ledger = new ILedger.Client(await harness.ConnectAsync(pushes: pushes));

        Assert.Equal(new Balance(4, 5, "audit"), await ledger.Audit(new Entry(4, 5)).Within());

        Assert.Equal(new Notice(5, "audited"), await pushes.Notices.NextAsync());
    }

    [Fact]
    public async Task A_call_by_message_type_reaches_the_only_method_of_its_kind_and_refuses_an_ambiguous_one()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        // One stream and one one-way method take Entry: routed by type, they are found.
        Assert.Equal(3, await client.StreamAsync<Entry, Balance>(new Entry(2, 1)).CountAsync().Within());
        await client.SendAsync(new Entry(2, 8)).Within();
        Assert.Equal(8, (await harness.Probe.Notices.NextAsync()).Sequence);

        // Two unary methods take Entry: the caller is told to call by method, and the link carries on.
        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<Entry, Balance>(new Entry(2, 1)).AsTask()).Within();
        Assert.Equal(TetherErrorCode.AmbiguousMessage, error.Code);
        Assert.Equal(new EchoReply(1, "still here"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "still here")).Within());
    }

    [Fact]
    public async Task A_call_to_an_unknown_method_id_fails_with_a_typed_error_and_the_link_stays()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() => client.InvokeUnaryAsync<Entry, Balance>(new MethodDescriptor(123_456, "Missing", MethodKind.Unary, 0, 0), new Entry(3, 1), CancellationToken.None).AsTask()).Within();

        Assert.Equal(TetherErrorCode.UnknownMethod, error.Code);
        Assert.Contains("123456", error.Message, StringComparison.Ordinal);
        Assert.Equal(new Balance(3, 1, "credit"), await new ILedger.Client(client).Credit(new Entry(3, 1)).Within());
    }

    [Fact]
    public async Task Calling_a_method_as_another_kind_is_a_typed_error_by_id_and_by_message_type()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        MethodDescriptor credit = ILedger.Descriptor.Methods.Single(m => m.Name == "Credit");

        var byId = await Assert.ThrowsAsync<TetherException>(() =>
            client.InvokeStreamAsync<Entry, Balance>(credit, new Entry(1, 1), CancellationToken.None).ToListAsync().AsTask()).Within();
        var byType = await Assert.ThrowsAsync<TetherException>(() => // Notice is taken only by a one-way method
            client.StreamAsync<Notice, Tick>(new Notice(1, "x")).ToListAsync().AsTask()).Within();

        Assert.Equal(TetherErrorCode.UnexpectedReply, byId.Code);
        Assert.Equal(TetherErrorCode.UnexpectedReply, byType.Code);
    }

    [Fact]
    public async Task A_peer_of_protocol_version_2_is_refused_with_a_typed_version_error()
    {
        await using Harness harness = await StartAsync();
        await using RawPeer old = await RawPeer.ConnectAsync(harness);

        // What a version-2 build sends: header version 2, offering versions 1 and 2.
        var offer = new NegotiationOffer([1, 2], [], [], [], WantsResume: true);
        await old.SendFrameAsync(FrameType.Hello, 0, 2, new ClientHello(1 << 20, offer, null).Encode());

        (FrameHeader Header, byte[] Payload)? refusal = await old.ReadFrameAsync();
        Assert.Equal(FrameType.GoAway, refusal?.Header.Type);
        Assert.Equal((int)TetherErrorCode.UnsupportedVersion, refusal?.Header.MessageId);
        Assert.Contains("1, 2", System.Text.Encoding.UTF8.GetString(refusal!.Value.Payload), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Method_ids_are_unique_across_the_services_a_server_hosts()
    {
        await using Harness harness = await StartAsync();
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = harness.Transport.NewEndPoint(), Transport = harness.Transport.Listener });
        server.AddHandler(new LedgerHandler(harness.Probe));

        var clash = Assert.Throws<InvalidOperationException>(() => server.AddHandler(new LedgerHandler(harness.Probe)));

        Assert.Contains("' and 'Ledger.", clash.Message, StringComparison.Ordinal);
        Assert.Equal(4242, HandlerDispatch.Describe<LedgerHandler>().Methods.Single(m => m.Name == "Debit").Id);
    }
}
