using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Tether.Conformance.Tests.Support;
using Tether.Security;
using Tether.Security.ApiKeys;
using Tether.Transport.Tls;

namespace Tether.Conformance.Tests.Security;

/// <summary>Address lists at accept, live reloads, the hello limit under a brute force, certificate principals, and what the logs never hold.</summary>
public sealed class AccessControlTests
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("tls")]
    [InlineData("quic")]
    public async Task An_address_outside_the_allow_list_is_refused_before_any_handshake_and_a_reload_changes_that_live(string transportName)
    {
        TransportUnderTest transport = transportName switch
        {
            "tls" => TransportUnderTest.Tls(),
            "quic" => TransportUnderTest.Quic(),
            _ => TransportUnderTest.Tcp(),
        };
        var meters = new TestMeterFactory();
        using var recorder = new MetricsRecorder(meters);
        await using Harness harness = await Harness.StartAsync(transport, o =>
        {
            o.MeterFactory = meters;
            o.Security.AllowedNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
            o.Security.AllowedNetworks.Add(IPNetwork.Parse("fd00::/8"));
        });

        await Assert.ThrowsAnyAsync<Exception>(() => harness.ConnectAsync(o => o.Reconnect.Enabled = false));
        RecordedMeasurement refused = await recorder.WaitForAsync("tether.security.events", m => m.Tag("tether.security.event") == "address_refused").Within();
        Assert.Empty(harness.Server.Sessions); // never got as far as a session (nor, over TLS and QUIC, a handshake)
        Assert.Equal(1, refused.Value);

        // Loopback allowed, live.
        var reloaded = new TetherSecurityOptions();
        reloaded.AllowedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        harness.Server.UpdateSecurity(reloaded);
        var client = new ConformanceHandler.Client(await harness.ConnectAsync());
        Assert.Equal(7, (await client.Echo(new EchoRequest(7, "in")).Within()).Id);

        // Then this one address denied: a deny entry wins over the allow list.
        var denying = new TetherSecurityOptions();
        denying.AllowedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        denying.DeniedNetworks.Add(IPNetwork.Parse("127.0.0.1/32"));
        harness.Server.UpdateSecurity(denying);
        await Assert.ThrowsAnyAsync<Exception>(() => harness.ConnectAsync(o => o.Reconnect.Enabled = false));
        Assert.Equal(8, (await client.Echo(new EchoRequest(8, "still")).Within()).Id); // sessions already open are not cut
    }

    [Fact]
    public async Task A_brute_force_of_random_keys_hits_the_hello_limit_and_other_clients_keep_working()
    {
        var manager = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey good = await manager.CreateAsync("svc");
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
        {
            o.Security.Authenticators.Add(new ApiKeyAuthenticator(manager));
            o.Security.RequireAuthentication = true;
            o.Security.RateLimits.Handshakes = RateLimitPolicy.FixedWindow(RateLimitPartition.RemoteAddress, permits: 6, window: TimeSpan.FromHours(1));
        });
        var legit = new ConformanceHandler.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(good.Key)));

        var codes = new List<TetherErrorCode>();
        TetherException? limited = null;
        for (int attempt = 0; attempt < 12; attempt++)
        {
            string guess = ApiKeyFormat.NewKey(good.Record.Id); // the right id, a random secret
            var refused = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o =>
            {
                o.Credentials = TetherCredentials.ApiKey(guess);
                o.Reconnect.Enabled = false;
            }));
            codes.Add(refused.Code);
            limited ??= refused.Code == TetherErrorCode.RateLimited ? refused : null;
        }

        // One permit went to the legitimate client: five guesses were checked, the rest refused before any hashing.
        Assert.Equal(Enumerable.Repeat(TetherErrorCode.Unauthenticated, 5).Concat(Enumerable.Repeat(TetherErrorCode.RateLimited, 7)), codes);
        Assert.NotNull(limited!.RetryAfter);
        Assert.Equal(9, (await legit.Echo(new EchoRequest(9, "unaffected")).Within()).Id);
    }

    [Fact]
    public async Task An_authorization_handler_that_throws_denies_the_call_and_the_session_stays()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
        {
            o.Security.Authenticators.Add(new TestTokenAuthenticator());
            VaultHandler.Require(o.Security);
            o.Security.AuthorizationPolicies.AddPolicy(VaultHandler.TenantPolicy, p => p.RequireAssertion(static bool (_) => throw new InvalidOperationException("policy store down")));
        }, s => s.AddHandler(new VaultHandler()));
        var vault = new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TestTokenAuthenticator.Token("ann", tenant: "acme")));

        var denied = await Assert.ThrowsAsync<TetherException>(() => vault.Tenant(new VaultProbe(1)).AsTask()).Within();

        Assert.Equal(TetherErrorCode.PermissionDenied, denied.Code);
        Assert.Equal("The authorization of Vault/Tenant failed on the server.", denied.Message); // not the exception's text
        Assert.Equal("ann", (await vault.Whoami(new VaultProbe(2)).Within()).Name);
    }

    [Fact]
    public async Task A_client_certificate_is_the_principal_the_certificate_authenticator_makes()
    {
        TetherTlsOptions serverTls = TransportUnderTest.ServerTls();
        serverTls.ClientCertificates = ClientCertificateMode.Required;
        TetherTlsOptions clientTls = TransportUnderTest.ClientTls();
        clientTls.Certificate = TestCertificates.Client;
        var transport = new TransportUnderTest("tls", new TlsTransport(serverTls), new TlsTransport(clientTls), static () => new IPEndPoint(IPAddress.Loopback, 0));
        await using Harness harness = await Harness.StartAsync(transport, o =>
        {
            o.Security.Authenticators.Add(new CertificateAuthenticator());
            o.Security.RequireAuthentication = true;
            VaultHandler.Require(o.Security);
        }, s => s.AddHandler(new VaultHandler()));

        VaultReply me = await new VaultHandler.Client(await harness.ConnectAsync()).Whoami(new VaultProbe(1)).Within();

        Assert.Equal(TestCertificates.Client.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false), me.Name);
        Assert.Equal(CertificateAuthenticator.AuthenticationType, me.AuthenticationType);
    }

    [Fact]
    public async Task A_whole_session_with_a_key_and_failed_guesses_leaves_no_secret_in_the_logs()
    {
        var logs = new SecretScanningLogger();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var manager = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey key = await manager.CreateAsync("audited", roles: ["admin"]);
        var options = new TetherServerOptions();
        options.Security.Authenticators.Add(new ApiKeyAuthenticator(manager));
        options.Security.RequireAuthentication = true;
        VaultHandler.Require(options.Security);
        await using var server = new TetherServer(options, factory);
        server.AddHandler(new VaultHandler());
        await server.StartAsync();

        string wrong = ApiKeyFormat.NewKey(key.Record.Id);
        await using (TetherClient client = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Credentials = TetherCredentials.ApiKey(key.Key) }, loggerFactory: factory))
        {
            var vault = new VaultHandler.Client(client);
            await vault.Purge(new VaultProbe(1)).Within();
            await client.RefreshCredentialsAsync().Within();
        }

        await Assert.ThrowsAsync<TetherException>(() => TetherClient.ConnectAsync(server.LocalEndPoint!,
            new TetherClientOptions { Credentials = TetherCredentials.ApiKey(wrong) }, loggerFactory: factory));

        Assert.Contains(logs.Entries, e => e.Contains("authentication failed", StringComparison.Ordinal)); // the failure is audited...
        Assert.Contains(logs.Entries, e => e.Contains(key.Record.Id, StringComparison.Ordinal)); // ...by key id
        foreach (string secret in new[] { key.Key, wrong, Secret(key.Key), Secret(wrong) })
        {
            Assert.DoesNotContain(logs.Entries, e => e.Contains(secret, StringComparison.Ordinal));
        }
    }

    // The 43 characters after "tether_{id}_". Not "after the last underscore": base64url secrets contain underscores too,
    // and a tail of one or two characters after one matched unrelated log text about once in twenty runs.
    private static string Secret(string key) => key[(ApiKeyFormat.Prefix.Length + 16 + 1)..];

    /// <summary>Keeps every log entry whole: message, state values and exception text.</summary>
    private sealed class SecretScanningLogger : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(SecretScanningLogger owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                owner.Entries.Enqueue("scope: " + state);
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(static p => $"{p.Key}={p.Value}")) : "";
                owner.Entries.Enqueue($"{eventId.Id} {formatter(state, exception)} | {values} | {exception}");
            }
        }
    }
}
