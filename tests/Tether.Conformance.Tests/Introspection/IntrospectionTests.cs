using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Tether.Conformance.Tests.Support;
using Tether.Introspection;
using Tether.Schema;

namespace Tether.Conformance.Tests.Introspection;

/// <summary>
/// The built-in introspection service over a real server: what it describes, calls made from its shapes alone (JSON in,
/// JSON out, no generated types), and the switches and authorization that govern it.
/// </summary>
public sealed class IntrospectionTests
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("inmemory")]
    public async Task A_server_describes_its_services_methods_and_message_shapes(string transport)
    {
        await using Harness harness = await Harness.StartAsync(transport == "tcp" ? TransportUnderTest.Tcp() : TransportUnderTest.InMemory());
        var introspection = new IIntrospection.Client(await harness.ConnectAsync());

        ServerShape server = await introspection.Describe(new DescribeRequest(null)).Within();

        Assert.Equal(3, server.ProtocolVersion);
        ServiceShape ledger = Assert.Single(server.Services, static s => s.Name == "Ledger");
        Assert.False(ledger.BuiltIn);
        Assert.Equal(ILedger.Descriptor.Methods.Select(static m => (m.Id, m.Name, m.Kind)), ledger.Methods.Select(static m => (m.Id, m.Name, m.Kind)));
        MethodShape debit = Assert.Single(ledger.Methods, static m => m.Name == "Debit");
        Assert.Equal((4242, MethodKind.Unary, 12, 13), (debit.Id, debit.Kind, debit.RequestMessageId, debit.ResponseMessageId));
        MessageShape entry = Assert.Single(ledger.Messages, static m => m.Id == 12);
        Assert.Equal("Tether.Conformance.Tests.Support.Entry", entry.TypeName);
        Assert.Equal([new MemberShape("Account", "int64"), new MemberShape("Amount", "int64")], entry.Members);
        ServiceShape self = Assert.Single(server.Services, static s => s.Name == IntrospectionNames.Service);
        Assert.True(self.BuiltIn);
        Assert.DoesNotContain(server.Services, static s => s.Name == IntrospectionNames.SessionAdmin); // off by default

        ServerShape one = await introspection.Describe(new DescribeRequest("Ledger")).Within();
        Assert.Equal("Ledger", Assert.Single(one.Services).Name);
        TetherException missing = await Assert.ThrowsAsync<TetherException>(() => introspection.Describe(new DescribeRequest("Nope")).Within());
        Assert.Equal(TetherErrorCode.NotFound, missing.Code);
    }

    [Fact]
    public async Task A_method_is_called_from_its_shape_alone_with_json_in_and_out()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        TetherClient client = await harness.ConnectAsync();
        ServiceShape ledger = Assert.Single((await new IIntrospection.Client(client).Describe(new DescribeRequest("Ledger")).Within()).Services);
        var schema = new SchemaJson(ledger.Messages);
        MethodDescriptor Method(string name) => ledger.Methods.Single(m => m.Name == name) is var m
            ? new MethodDescriptor(m.Id, m.Name, m.Kind, m.RequestMessageId, m.ResponseMessageId)
            : throw new InvalidOperationException();
        byte[] request = schema.Encode(12, """{"Account": 7, "Amount": 250}""");

        EncodedMessage reply = await client.InvokeEncodedAsync(Method("Credit"), request).Within();
        var items = new List<string>();
        await foreach (EncodedMessage item in client.InvokeEncodedStreamAsync(Method("History"), request))
        {
            items.Add(schema.Decode(item.MessageId, item.Body.Span));
        }

        await client.InvokeEncodedOneWayAsync(Method("Record"), request).AsTask().Within();

        Assert.Equal(13, reply.MessageId);
        Assert.Equal("""{"Account":7,"Amount":250,"By":"credit"}""", schema.Decode(reply.MessageId, reply.Body.Span));
        Assert.Equal(
            ["""{"Account":7,"Amount":250,"By":"history"}""", """{"Account":7,"Amount":500,"By":"history"}""", """{"Account":7,"Amount":750,"By":"history"}"""],
            items);
        Assert.Equal(new Notice(250, "recorded"), await harness.Probe.Notices.Reader.ReadAsync().AsTask().Within());
        ArgumentException wrongKind = Assert.Throws<ArgumentException>(() => client.InvokeEncodedStreamAsync(Method("Credit"), request));
        Assert.Contains("Unary, not ServerStreaming", wrongKind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encoded_call_fails_as_a_typed_call_would()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        TetherClient client = await harness.ConnectAsync();

        TetherException unknown = await Assert.ThrowsAsync<TetherException>(() =>
            client.InvokeEncodedAsync(new MethodDescriptor(123456, "Nope", MethodKind.Unary, 12, 13), new byte[] { 0 }).Within());
        TetherException malformed = await Assert.ThrowsAsync<TetherException>(() =>
            client.InvokeEncodedAsync(ILedger.Descriptor.Methods.Single(static m => m.Name == "Credit"), new byte[] { 2, 0x80 }).Within());

        Assert.Equal(TetherErrorCode.UnknownMethod, unknown.Code);
        Assert.Equal(TetherErrorCode.DecodeTruncated, malformed.Code); // the server's decoder, reported for the call
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("inmemory")]
    public async Task A_call_to_a_removed_method_says_so_and_what_to_call_instead(string transport)
    {
        await using Harness harness = await Harness.StartAsync(transport == "tcp" ? TransportUnderTest.Tcp() : TransportUnderTest.InMemory());
        TetherClient client = await harness.ConnectAsync();
        var refund = new MethodDescriptor(MethodIds.Derive("Ledger", "Refund"), "Refund", MethodKind.Unary, 12, 13); // as an old contract had it

        TetherException removed = await Assert.ThrowsAsync<TetherException>(() => client.InvokeEncodedAsync(refund, TetherCodec.ToArray(new Entry(1, 2))).Within());
        ServiceShape ledger = Assert.Single((await new IIntrospection.Client(client).Describe(new DescribeRequest("Ledger")).Within()).Services);

        Assert.Equal(TetherErrorCode.MethodRemoved, removed.Code);
        Assert.Equal("Ledger/Refund was removed from the service: Credit a negative amount instead.", removed.Message);
        Assert.Equal([new RemovedMethod(refund.Id, "Refund", "Credit a negative amount instead.")], ledger.RemovedMethods);
        Assert.All(ledger.Methods, static m => Assert.Equal(1, m.Version));
    }

    [Fact]
    public async Task Encoded_calls_are_timed_as_typed_calls_are()
    {
        using var metrics = new MetricsRecorder(new TestMeterFactory());
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        TetherClient client = await harness.ConnectAsync(o => o.MeterFactory = metrics.Factory);
        MethodDescriptor credit = ILedger.Descriptor.Methods.Single(static m => m.Name == "Credit");

        await client.InvokeEncodedAsync(credit, TetherCodec.ToArray(new Entry(1, 2))).Within();

        RecordedMeasurement timed = await metrics.WaitForAsync("rpc.client.call.duration", static m => m.Tag("rpc.method") == "Ledger/Credit");
        Assert.Equal("ok", timed.Tag("rpc.response.status_code"));
        Assert.True(timed.Value > 0);
    }

    [Fact]
    public async Task Built_in_methods_are_reached_by_method_id_only_never_by_message_type()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        TetherClient client = await harness.ConnectAsync();

        TetherException byType = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<DescribeRequest, ServerShape>(new DescribeRequest(null)).Within());

        Assert.Equal(TetherErrorCode.UnknownMessage, byType.Code);
    }

    [Fact]
    public async Task Introspection_can_be_switched_off()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.EnableIntrospection = false);
        var introspection = new IIntrospection.Client(await harness.ConnectAsync());

        TetherException off = await Assert.ThrowsAsync<TetherException>(() => introspection.Describe(new DescribeRequest(null)).Within());

        Assert.Equal(TetherErrorCode.UnknownMethod, off.Code);
        Assert.DoesNotContain(harness.Server.Services, static s => s.Name == IntrospectionNames.Service);
    }

    [Fact]
    public async Task Introspection_answers_to_the_fallback_authorization_policy_like_any_method_without_rules()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
            o.Security.AuthorizationPolicies.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        var introspection = new IIntrospection.Client(await harness.ConnectAsync());

        TetherException refused = await Assert.ThrowsAsync<TetherException>(() => introspection.Describe(new DescribeRequest(null)).Within());

        Assert.Equal(TetherErrorCode.Unauthenticated, refused.Code);
    }
}
