using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Security;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Security;

/// <summary>Credentials over a session's life: refreshed without reconnecting, expiry closing an unrefreshed session, and the principal a refresh or resume may not change.</summary>
public sealed class CredentialsLifetimeTests
{
    private static async Task<TetherServer> StartServerAsync(InMemoryTransport transport, TestTokenAuthenticator authenticator, TimeProvider? clock = null)
    {
        var options = new TetherServerOptions { Transport = transport, EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")) };
        if (clock is not null)
        {
            options.TimeProvider = clock;
            options.TimerInterval = TimeSpan.FromSeconds(1);
        }

        options.Security.Authenticators.Add(authenticator);
        options.Security.RequireAuthentication = true;
        VaultHandler.Require(options.Security);
        var server = new TetherServer(options);
        server.AddHandler(new VaultHandler());
        await server.StartAsync();
        return server;
    }

    [Fact]
    public async Task An_automatic_refresh_keeps_the_session_past_its_first_expiry_and_an_unrefreshed_one_is_closed_typed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var transport = new InMemoryTransport();
        var authenticator = new TestTokenAuthenticator(clock);
        await using TetherServer server = await StartServerAsync(transport, authenticator, clock);
        int issued = 0;
        await using var refreshing = new TetherClient(new TetherClientOptions
        {
            Transport = transport,
            TimeProvider = clock,
            CredentialsProvider = _ => new(TestTokenAuthenticator.Token("ann", seconds: 10 + (0 * Interlocked.Increment(ref issued)))),
        });
        var fixedOptions = new TetherClientOptions
        {
            Transport = transport,
            TimeProvider = clock,
            Credentials = TestTokenAuthenticator.Token("bob", seconds: 10),
        };
        fixedOptions.Reconnect.Enabled = false;
        await using var fixedToken = new TetherClient(fixedOptions);
        var bobClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixedToken.StateChanged += change =>
        {
            if (change.To == SessionState.Closed)
            {
                bobClosed.TrySetResult();
            }
        };
        await refreshing.StartAsync(server.LocalEndPoint!).Within();
        await fixedToken.StartAsync(server.LocalEndPoint!).Within();
        var ann = new VaultHandler.Client(refreshing);
        var bob = new VaultHandler.Client(fixedToken);
        Assert.Equal(AuthenticationPurpose.NewSession, await authenticator.Seen.NextAsync());
        Assert.Equal(AuthenticationPurpose.NewSession, await authenticator.Seen.NextAsync());

        // At 80 % of the lifetime the client with a provider refreshes; a call after it is handled after the refresh.
        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(AuthenticationPurpose.Refresh, await authenticator.Seen.NextAsync());
        Assert.Equal("ann", (await ann.Whoami(new VaultProbe(1)).Within()).Name);

        // Past the first expiry: the refreshed session lives on, the other is closed with the typed reason.
        clock.Advance(TimeSpan.FromSeconds(3));
        await bobClosed.Task.Within();
        Assert.Equal(TetherErrorCode.CredentialsExpired, Assert.IsType<TetherException>(fixedToken.CloseReason).Code);
        await Assert.ThrowsAsync<TetherException>(() => bob.Whoami(new VaultProbe(2)).AsTask()).Within();
        Assert.Equal("ann", (await ann.Whoami(new VaultProbe(3)).Within()).Name);
        Assert.Equal(SessionState.Active, refreshing.State);
        Assert.Equal(2, issued);
    }

    [Fact]
    public async Task A_refresh_with_another_principal_or_bad_credentials_is_refused_and_the_session_keeps_its_own()
    {
        var transport = new InMemoryTransport();
        await using TetherServer server = await StartServerAsync(transport, new TestTokenAuthenticator());
        TetherCredentials next = TestTokenAuthenticator.Token("ann", "admin");
        await using var client = new TetherClient(new TetherClientOptions
        {
            Transport = transport,
            CredentialsProvider = _ => new(Volatile.Read(ref next)),
        });
        await client.StartAsync(server.LocalEndPoint!).Within();
        var vault = new VaultHandler.Client(client);

        Volatile.Write(ref next, TestTokenAuthenticator.Token("mallory", "admin"));
        var changed = await Assert.ThrowsAsync<TetherException>(() => client.RefreshCredentialsAsync()).Within();
        Volatile.Write(ref next, TetherCredentials.Bearer("garbage"));
        var invalid = await Assert.ThrowsAsync<TetherException>(() => client.RefreshCredentialsAsync()).Within();
        Volatile.Write(ref next, TestTokenAuthenticator.Token("ann")); // same principal, no longer admin
        await client.RefreshCredentialsAsync().Within();
        var denied = await Assert.ThrowsAsync<TetherException>(() => vault.Purge(new VaultProbe(2)).AsTask()).Within();

        Assert.Equal(TetherErrorCode.PrincipalChanged, changed.Code);
        Assert.Equal(TetherErrorCode.Unauthenticated, invalid.Code);
        Assert.Equal(TetherErrorCode.PermissionDenied, denied.Code); // the refresh replaced the cached decisions
        Assert.Equal("ann", (await vault.Whoami(new VaultProbe(3)).Within()).Name);
    }

    [Fact]
    public async Task A_resume_must_present_the_same_principal_another_one_gets_a_fresh_session()
    {
        var transport = new InMemoryTransport();
        var chaos = new ChaosConnector(transport);
        await using TetherServer server = await StartServerAsync(transport, new TestTokenAuthenticator());
        TetherCredentials next = TestTokenAuthenticator.Token("ann");
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions
        {
            Transport = chaos,
            CredentialsProvider = _ => new(Volatile.Read(ref next)),
        }));
        var reconnected = System.Threading.Channels.Channel.CreateUnbounded<ReconnectAttempt>();
        var restarted = new TaskCompletionSource<TetherException>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += a => reconnected.Writer.TryWrite(a);
        client.SessionRestarted += e => restarted.TrySetResult(e);
        await client.StartAsync(server.LocalEndPoint!).Within();
        var vault = new VaultHandler.Client(client);
        Guid first = client.Contract!.SessionId;

        // Fresh credentials of the same principal: the session resumes.
        Volatile.Write(ref next, TestTokenAuthenticator.Token("ann", seconds: 3600));
        chaos.Cut();
        Assert.True((await reconnected.NextAsync()).Resumed);
        Assert.Equal(first, client.Contract!.SessionId);

        // Someone else's credentials: the resume is refused and a new session starts, as that principal.
        Volatile.Write(ref next, TestTokenAuthenticator.Token("mallory"));
        chaos.Cut();
        Assert.False((await reconnected.NextAsync()).Resumed);
        Assert.Equal(TetherErrorCode.PrincipalChanged, (await restarted.Task.Within()).Code);
        Assert.NotEqual(first, client.Contract!.SessionId);
        Assert.Equal("mallory", (await vault.Whoami(new VaultProbe(1)).Within()).Name);
    }
}
