using System.Net;
using System.Security.Cryptography.X509Certificates;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Transport;
using Tether.Transport.Tls;

namespace Tether.Conformance.Tests.Tls;

/// <summary>
/// A session authenticated by a client certificate resumes only on a link that presents the same certificate; any
/// other identity (another valid certificate, or none) is refused and starts a clean new session under its own principal.
/// </summary>
public sealed class TlsResumeTests
{
    [Fact]
    public async Task The_same_client_certificate_resumes_the_session()
    {
        await using var setup = await MtlsSetup.StartAsync();
        Guid sessionId = setup.Client.Contract!.SessionId;

        ReconnectAttempt attempt = await setup.CutAndReconnectAsync(TestCertificates.Client);

        Assert.True(attempt.Resumed);
        Assert.Equal(sessionId, setup.Client.Contract!.SessionId);
        Assert.Null(setup.Restarted);
        // A link still in its handshake is listed without a session id for a moment; only established sessions count.
        TetherSession resumed = Assert.Single(setup.Server.Sessions, s => s.Id != Guid.Empty);
        Assert.Equal(sessionId, resumed.Id);
        Assert.Equal("tether-test-client", resumed.Principal.Identity!.Name);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Another_identity_cannot_resume_and_gets_a_new_session_of_its_own(bool presentsAnotherCertificate)
    {
        await using var setup = await MtlsSetup.StartAsync();
        Guid sessionId = setup.Client.Contract!.SessionId;
        var second = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        setup.Server.SessionStarted += session => second.TrySetResult(session);

        ReconnectAttempt attempt = await setup.CutAndReconnectAsync(presentsAnotherCertificate ? TestCertificates.SecondClient : null);

        Assert.False(attempt.Resumed);
        Assert.Equal(TetherErrorCode.ResumeRejected, setup.Restarted?.Code);
        Assert.NotEqual(sessionId, setup.Client.Contract!.SessionId);
        TetherSession session = await second.Task.Within();
        Assert.Equal(setup.Client.Contract.SessionId, session.Id);
        if (presentsAnotherCertificate)
        {
            Assert.Equal("tether-second-client", session.Principal.Identity!.Name);
        }
        else
        {
            Assert.False(session.Principal.Identity!.IsAuthenticated);
        }

        Assert.Equal(new NumberedReply(8), await setup.Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(4)).Within());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_durable_session_resumes_on_a_restarted_server_only_with_the_certificate_it_began_with(bool sameCertificate)
    {
        string directory = Path.Combine(Path.GetTempPath(), "tether-mtls-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var setup = await MtlsSetup.StartAsync(directory);
            Guid sessionId = setup.Client.Contract!.SessionId;
            Assert.True(setup.Client.Contract.Durable);

            ReconnectAttempt attempt = await setup.RestartServerAsync(sameCertificate ? TestCertificates.Client : TestCertificates.SecondClient);

            // The journal kept the certificate's hash, not the certificate: the check survives the restart.
            Assert.Equal(sameCertificate, attempt.Resumed);
            Assert.Equal(sameCertificate, setup.Client.Contract!.SessionId == sessionId);
            Assert.Equal(sameCertificate ? null : TetherErrorCode.ResumeRejected, setup.Restarted?.Code);
            Assert.Equal(new NumberedReply(8), await setup.Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(4)).Within());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>An mTLS server (client certificates optional) and a client whose certificate can change between links.</summary>
    private sealed class MtlsSetup : IAsyncDisposable
    {
        private readonly SwitchingConnector _connector = new();
        private ChaosConnector _chaos = null!;

        public TetherServer Server { get; private set; } = null!;

        public TetherClient Client { get; private set; } = null!;

        public TetherException? Restarted { get; private set; }

        private string? _durableDirectory;

        /// <param name="durableDirectory">Keep sessions in a durable journal there (then <see cref="RestartServerAsync"/> can "kill" the server).</param>
        public static async Task<MtlsSetup> StartAsync(string? durableDirectory = null)
        {
            var setup = new MtlsSetup { _durableDirectory = durableDirectory };
            setup.Server = await setup.StartServerAsync(new IPEndPoint(IPAddress.Loopback, 0));
            setup._connector.Inner = ClientPresenting(TestCertificates.Client);
            setup._chaos = new ChaosConnector(setup._connector);
            setup.Client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = setup._chaos }));
            setup.Client.SessionRestarted += reason => setup.Restarted = reason;
            await setup.Client.StartAsync(setup.Server.LocalEndPoint!).Within();
            Assert.Equal(new NumberedReply(2), await setup.Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).Within());
            return setup;
        }

        private Task<TetherServer> StartServerAsync(EndPoint endPoint)
        {
            TetherTlsOptions serverTls = TransportUnderTest.ServerTls();
            serverTls.ClientCertificates = ClientCertificateMode.Optional;
            return ResumeTests.StartServerAsync(new TlsTransport(serverTls), endPoint, new SequenceRecorder(0), o =>
            {
                if (_durableDirectory is not null)
                {
                    o.DurableSessions = new Storage.DurableStoreOptions { Directory = _durableDirectory };
                }
            });
        }

        /// <summary>The server "dies" (abandoned: no goaway, its journal as it stood) and a new one starts on its port and directory; the client reconnects presenting <paramref name="certificate"/>.</summary>
        public async Task<ReconnectAttempt> RestartServerAsync(X509Certificate2? certificate)
        {
            var reconnected = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
            Client.Reconnected += attempt => reconnected.TrySetResult(attempt);
            _connector.Inner = ClientPresenting(certificate);
            EndPoint endPoint = Server.LocalEndPoint!;
            await Server.AbandonAsync();
            Server = await StartServerAsync(endPoint);
            return await reconnected.Task.Within();
        }

        /// <summary>Cuts the link; the client reconnects presenting <paramref name="certificate"/> (null: none).</summary>
        public async Task<ReconnectAttempt> CutAndReconnectAsync(X509Certificate2? certificate)
        {
            var reconnected = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
            Client.Reconnected += attempt => reconnected.TrySetResult(attempt);
            _connector.Inner = ClientPresenting(certificate);
            _chaos.Cut();
            return await reconnected.Task.Within();
        }

        private static TlsTransport ClientPresenting(X509Certificate2? certificate)
        {
            TetherTlsOptions tls = TransportUnderTest.ClientTls();
            tls.Certificate = certificate;
            return new TlsTransport(tls);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    /// <summary>Connects through whichever transport is current, so each link can present a different identity.</summary>
    private sealed class SwitchingConnector : ITransportConnector
    {
        private ITransportConnector? _inner;

        public ITransportConnector Inner
        {
            get => Volatile.Read(ref _inner)!;
            set => Volatile.Write(ref _inner, value);
        }

        public ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default) =>
            Inner.ConnectAsync(endPoint, options, cancellationToken);
    }
}
