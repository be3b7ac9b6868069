using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;
using Tether.Transport.InMemory;
using Tether.Transport.Tls;

namespace Tether.Conformance.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Host_starts_the_server_and_connects_the_client_with_handlers_from_the_container()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("hosted");
        var probe = new Probe();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddTetherServer(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        }).AddHandler<ConformanceHandler>();
        builder.Services.AddTetherClient(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        }).AddHandler<PushHandler>();

        using IHost host = builder.Build();
        await host.StartAsync().Within();
        TetherClient client = host.Services.GetRequiredService<TetherClient>();
        TetherServer server = host.Services.GetRequiredService<TetherServer>();

        Assert.Equal(new EchoReply(1, "hosted"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "hosted")).Within());
        Assert.Equal(1, server.Broadcast(new Notice(5, "push")).Delivered);
        Assert.Equal(5, (await probe.Notices.NextAsync()).Sequence);

        await host.StopAsync().Within();
        await client.Closed.Within();
    }

    [Fact]
    public async Task A_hosted_client_whose_stop_token_fired_does_not_wait_for_the_servers_acknowledgement()
    {
        // The test plays a server that never acknowledges, and the client's clock never moves: only the host's stop
        // token can end the close's wait for that acknowledgement (decision 0030).
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("unacknowledging-" + Guid.NewGuid().ToString("N"));
        await using ITransportListener listener = await transport.BindAsync(endPoint, new TransportConnectionOptions());
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherClient(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
            o.TimeProvider = new FakeTimeProvider();
            o.Reconnect.Enabled = false;
        });
        using IHost host = builder.Build();
        Task starting = host.StartAsync();
        await using RawPeer server = await RawPeer.AcceptAsync(listener);
        Assert.Equal(FrameType.Hello, (await server.ReadFrameAsync().Within())?.Header.Type);
        var contract = new SessionContract(Guid.NewGuid(), ProtocolConstants.Version, "inmemory", [], [], Resumable: true);
        await server.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version,
            new ServerHello(1 << 20, contract, new byte[ProtocolConstants.ResumeTokenSize], 0, Resumed: false, TimeSpan.FromMinutes(1)).Encode());
        await starting.Within();
        await host.Services.GetRequiredService<TetherClient>().SendAsync(new Notice(1, "numbered, never acknowledged")).AsTask().Within();

        TetherClientHostedService hosted = Assert.Single(host.Services.GetServices<IHostedService>().OfType<TetherClientHostedService>());
        await hosted.StopAsync(new CancellationToken(canceled: true)).Within();
        Assert.Equal((int)TetherErrorCode.ConnectionClosed, (await server.ReadUntilClosedAsync())?.MessageId);
    }

    [Fact]
    public async Task Filters_and_interceptors_come_from_the_container_in_the_order_added()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("filtered");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new Probe());
        builder.Services.AddSingleton(new System.Collections.Concurrent.ConcurrentQueue<string>());
        builder.Services.AddSingleton(static sp => new RecordingFilter("server", sp.GetRequiredService<System.Collections.Concurrent.ConcurrentQueue<string>>()));
        builder.Services.AddSingleton(static sp => new RecordingInterceptor("client", sp.GetRequiredService<System.Collections.Concurrent.ConcurrentQueue<string>>()));
        builder.Services.AddTetherServer(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        }).AddHandler<CallHeadersHandler>().AddFilter<RecordingFilter>().AddFilter<RewritingFilter>();
        builder.Services.AddTetherClient(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        }).AddInterceptor<RecordingInterceptor>();

        using IHost host = builder.Build();
        await host.StartAsync().Within();
        var client = new CallHeadersHandler.Client(host.Services.GetRequiredService<TetherClient>());
        var log = host.Services.GetRequiredService<System.Collections.Concurrent.ConcurrentQueue<string>>();

        HeaderEcho echo = await client.Inspect(new HeaderProbe(1)).Within();
        Assert.True(await host.Services.GetRequiredService<RecordingFilter>().Finished.WaitAsync(Harness.Patience));

        Assert.Equal("via-client=client;added-by=filter", echo.Seen);
        // The server's filters return before its answer is written (so they can add trailers): "<server" comes first.
        Assert.Equal(["client>CallHeaders/Inspect:Unary:HeaderProbe", "server>CallHeaders/Inspect", "<server", "<client:handled-by,raw,filtered"], log);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Invalid_options_fail_the_host_at_start_with_the_reasons()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherServer(o =>
        {
            o.MaxFrameSize = 10;
            o.HandshakeTimeout = TimeSpan.Zero;
        });

        using IHost host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(nameof(TetherServerOptions.MaxFrameSize), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(TetherServerOptions.HandshakeTimeout), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tls")]
    [InlineData("quic")]
    public async Task UseTls_and_UseQuic_serve_and_connect_over_mtls_with_the_certificate_as_principal(string transport)
    {
        bool quic = transport == Tether.Quic.QuicTransport.Name;
        var probe = new Probe();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(probe);
        TetherServerBuilder serverBuilder = builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0))
            .AddHandler<ConformanceHandler>();
        Action<TetherTlsOptions> serverTls = tls =>
        {
            tls.Certificate = TestCertificates.Server;
            tls.TrustedAuthorities.Add(TestCertificates.Authority);
            tls.ClientCertificates = ClientCertificateMode.Required;
        };
        _ = quic ? serverBuilder.UseQuic(serverTls, q => q.InitialRtt = TimeSpan.FromMilliseconds(1)) : serverBuilder.UseTls(serverTls);

        using IHost host = builder.Build();
        await host.StartAsync().Within();
        TetherServer server = host.Services.GetRequiredService<TetherServer>();
        var started = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionStarted += s => started.TrySetResult(s);

        HostApplicationBuilder clientBuilder = Host.CreateApplicationBuilder();
        TetherClientBuilder tetherClient = clientBuilder.Services.AddTetherClient(o => o.EndPoint = server.LocalEndPoint);
        Action<TetherTlsOptions> clientTls = tls =>
        {
            tls.Certificate = TestCertificates.Client;
            tls.TrustedAuthorities.Add(TestCertificates.Authority);
        };
        _ = quic ? tetherClient.UseQuic(clientTls) : tetherClient.UseTls(clientTls);
        using IHost clientHost = clientBuilder.Build();
        await clientHost.StartAsync().Within();
        TetherClient client = clientHost.Services.GetRequiredService<TetherClient>();

        Assert.Equal(new EchoReply(2, transport), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, transport)).Within());
        Assert.Equal(transport, client.TransportName);
        Assert.Equal("tether-test-client", (await started.Task.Within()).Principal.Identity!.Name);

        await clientHost.StopAsync().Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task A_tls_server_without_a_certificate_fails_the_host_at_start()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0))
            .UseTls(tls => tls.ApplicationProtocols.Clear());

        using IHost host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(nameof(TetherTlsOptions.Certificate), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(TetherTlsOptions.ApplicationProtocols), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unusable_quic_settings_fail_the_host_at_start()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0))
            .UseQuic(tls => tls.Certificate = TestCertificates.Server, quic => quic.MaxUdpPayloadSize = 100);

        using IHost host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(nameof(Tether.Quic.QuicTransportOptions.MaxUdpPayloadSize), StringComparison.Ordinal));
    }
}
