using System.Net;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>Negotiation (SPEC R4.1): every success and every typed refusal.</summary>
public sealed class NegotiationTests
{
    private readonly InMemoryTransport _transport = new();

    [Fact]
    public async Task The_contract_is_the_highest_common_version_the_transport_and_the_granted_services_on_both_sides()
    {
        await using TetherServer server = await StartAsync();
        var options = new TetherClientOptions { Transport = _transport };
        options.Require<SequenceHandler>();
        options.Capabilities.Add(new CapabilityRequest("Absent", 1, Required: false));
        await using var client = new TetherClient(options);
        client.AddHandler(new PushRecorder(new SequenceRecorder(1)));
        // SessionStarted is raised after the server's handshake completes, which may be after the client returns.
        var started = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionStarted += s => started.TrySetResult(s);
        await client.StartAsync(server.LocalEndPoint!).Within();
        TetherSession session = await started.Task.Within();

        SessionContract contract = client.Contract!;
        Assert.Equal(ProtocolConstants.Version, contract.Version);
        Assert.Equal("inmemory", contract.Transport);
        Assert.True(contract.Resumable);
        Assert.Equal([new Capability("Sequences", 1)], contract.Services); // the optional absent one is left out
        Assert.True(contract.Has("Sequences"));
        Assert.False(contract.Has("Absent"));
        Assert.Equal(contract.SessionId, session.Contract!.SessionId);
        Assert.Equal(contract.Services, session.Contract.Services);
        Assert.Equal([new Capability("SequencePushes", 1)], session.Contract.ClientServices);
    }

    [Fact]
    public async Task No_common_version_is_refused_as_unsupported_version()
    {
        await using TetherServer server = await StartAsync(o => o.Negotiation.MinimumVersion = ProtocolConstants.Version + 1);
        await AssertRefusedAsync(server, TetherErrorCode.UnsupportedVersion, new TetherClientOptions { Transport = _transport });
    }

    [Fact]
    public async Task A_client_on_a_transport_the_server_does_not_offer_is_refused_as_no_common_transport()
    {
        await using TetherServer server = await StartAsync();
        var renamed = new RenamingConnector(_transport, "carrier-pigeon");
        await AssertRefusedAsync(server, TetherErrorCode.NoCommonTransport, new TetherClientOptions { Transport = renamed });
    }

    [Fact]
    public async Task A_missing_required_service_is_refused_and_named()
    {
        await using TetherServer server = await StartAsync();
        var options = new TetherClientOptions { Transport = _transport };
        options.Capabilities.Add(new CapabilityRequest("Billing", 2, Required: true));
        TetherException refusal = await AssertRefusedAsync(server, TetherErrorCode.MissingCapability, options);
        Assert.Contains("Billing v2+", refusal.Message);
    }

    [Fact]
    public async Task A_client_without_a_service_the_server_requires_is_refused()
    {
        await using TetherServer server = await StartAsync(o => o.Negotiation.RequiredClientServices.Add(new CapabilityRequest("SequencePushes", 1, Required: true)));
        await AssertRefusedAsync(server, TetherErrorCode.MissingCapability, new TetherClientOptions { Transport = _transport });
    }

    [Fact]
    public async Task The_policy_hook_can_refuse()
    {
        await using TetherServer server = await StartAsync(o => o.Negotiation.OnNegotiate = (offer, contract) =>
            throw new TetherException(TetherErrorCode.RefusedByPolicy, $"{offer.Transports[0]} clients are not welcome today."));
        TetherException refusal = await AssertRefusedAsync(server, TetherErrorCode.RefusedByPolicy, new TetherClientOptions { Transport = _transport });
        Assert.Contains("not welcome", refusal.Message);
    }

    [Fact]
    public async Task The_policy_hook_can_downgrade_to_a_link_that_does_not_resume()
    {
        await using TetherServer server = await StartAsync(o => o.Negotiation.OnNegotiate = (_, contract) => contract with { Resumable = false });
        await using var client = new TetherClient(new TetherClientOptions { Transport = _transport });
        await client.StartAsync(server.LocalEndPoint!).Within();
        Assert.Equal(ProtocolConstants.Version, client.Contract!.Version);
        Assert.False(client.Contract.Resumable);
        Assert.Equal(new NumberedReply(4), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(2)).Within());
    }

    [Fact]
    public async Task Transport_priority_selects_among_what_both_sides_have()
    {
        await using TetherServer server = await StartAsync(o =>
        {
            o.Negotiation.TransportPriority.Add("quic"); // not offered by this client: skipped
            o.Negotiation.TransportPriority.Add("inmemory");
        });
        var options = new TetherClientOptions { Transport = new RenamingConnector(_transport, "tcp-ish") };
        options.AlternateRoutes.Add(new TransportRoute("inmemory", _transport, server.LocalEndPoint!));
        await using var client = new TetherClient(options);
        await client.StartAsync(server.LocalEndPoint!).Within();
        Assert.Equal("inmemory", client.Contract!.Transport);
        Assert.Equal("tcp-ish", client.TransportName); // selected for reconnects; this link stays where it is
    }

    private async Task<TetherException> AssertRefusedAsync(TetherServer server, TetherErrorCode code, TetherClientOptions options)
    {
        await using var client = new TetherClient(options);
        var refusal = await Assert.ThrowsAsync<TetherException>(() => client.StartAsync(server.LocalEndPoint!).Within());
        Assert.Equal(code, refusal.Code);
        Assert.Equal(SessionState.Closed, client.State);
        return refusal;
    }

    private async Task<TetherServer> StartAsync(Action<TetherServerOptions>? configure = null) =>
        await ResumeTests.StartServerAsync(_transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), configure);

    /// <summary>A transport under another name (a client on a transport the server may not listen on).</summary>
    private sealed class RenamingConnector(ITransportConnector inner, string name) : ITransportConnector
    {
        public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default) =>
            new Renamed(await inner.ConnectAsync(endPoint, options, cancellationToken), name);

        private sealed class Renamed(TransportConnection inner, string name) : TransportConnection
        {
            public override System.IO.Pipelines.PipeReader Input => inner.Input;

            public override System.IO.Pipelines.PipeWriter Output => inner.Output;

            public override string TransportName => name;

            public override EndPoint? LocalEndPoint => inner.LocalEndPoint;

            public override EndPoint? RemoteEndPoint => inner.RemoteEndPoint;

            public override long BytesSent => inner.BytesSent;

            public override long BytesReceived => inner.BytesReceived;

            public override CancellationToken ConnectionClosed => inner.ConnectionClosed;

            public override void Abort(Exception? reason = null) => inner.Abort(reason);

            public override ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
