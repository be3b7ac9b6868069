using Tether.Conformance.Tests.Support;
using Tether.Security;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Authentication in the hello, per-method authorization and rate limits, on every transport.</summary>
public abstract partial class ConformanceSuite
{
    private Task<Harness> StartSecuredAsync(VaultHandler vault, Action<TetherSecurityOptions>? configure = null) =>
        StartAsync(
            o =>
            {
                o.Security.Authenticators.Add(new TestTokenAuthenticator());
                VaultHandler.Require(o.Security); // a policy a method names must exist, or the server refuses to start
                configure?.Invoke(o.Security);
            },
            s => s.AddHandler(vault));

    [Fact]
    public async Task The_authorization_matrix_holds_over_roles_policies_and_anonymous_access()
    {
        await using Harness harness = await StartSecuredAsync(new VaultHandler());
        var anonymous = new VaultHandler.Client(await harness.ConnectAsync());
        var ann = new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TestTokenAuthenticator.Token("ann", tenant: "globex")));
        var bob = new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TestTokenAuthenticator.Token("bob", "admin,ops", "acme")));

        // Who may call what: [Authorize] on the class, [AllowAnonymous], a role and a policy on methods.
        var cases = new (VaultHandler.Client Caller, string Who, Func<VaultHandler.Client, ValueTask<VaultReply>> Call, string Method, TetherErrorCode Expected)[]
        {
            (anonymous, "anonymous", c => c.Whoami(new VaultProbe(1)), "Whoami", TetherErrorCode.Unauthenticated),
            (anonymous, "anonymous", c => c.Status(new VaultProbe(2)), "Status", TetherErrorCode.None),
            (anonymous, "anonymous", c => c.Purge(new VaultProbe(3)), "Purge", TetherErrorCode.Unauthenticated),
            (anonymous, "anonymous", c => c.Tenant(new VaultProbe(4)), "Tenant", TetherErrorCode.Unauthenticated),
            (ann, "ann", c => c.Whoami(new VaultProbe(5)), "Whoami", TetherErrorCode.None),
            (ann, "ann", c => c.Status(new VaultProbe(6)), "Status", TetherErrorCode.None),
            (ann, "ann", c => c.Purge(new VaultProbe(7)), "Purge", TetherErrorCode.PermissionDenied),
            (ann, "ann", c => c.Tenant(new VaultProbe(8)), "Tenant", TetherErrorCode.PermissionDenied),
            (bob, "bob", c => c.Whoami(new VaultProbe(9)), "Whoami", TetherErrorCode.None),
            (bob, "bob", c => c.Purge(new VaultProbe(10)), "Purge", TetherErrorCode.None),
            (bob, "bob", c => c.Tenant(new VaultProbe(11)), "Tenant", TetherErrorCode.None),
        };

        // Twice: the second round is answered from the per-session decision cache and must agree.
        for (int round = 0; round < 2; round++)
        {
            foreach (var (caller, who, call, method, expected) in cases)
            {
                if (expected == TetherErrorCode.None)
                {
                    VaultReply reply = await call(caller).Within();
                    Assert.Equal(who == "anonymous" ? "" : who, reply.Name);
                }
                else
                {
                    var refused = await Assert.ThrowsAsync<TetherException>(() => call(caller).AsTask()).Within();
                    Assert.True(expected == refused.Code, $"{who} calling {method}: {refused.Code} ({refused.Message}), expected {expected}");
                    Assert.Contains("Vault/" + method, refused.Message);
                }
            }
        }

        // Refusals cost the call, not the session.
        Assert.Equal("ann", (await ann.Whoami(new VaultProbe(12)).Within()).Name);
    }

    [Fact]
    public async Task A_server_that_requires_authentication_refuses_a_hello_without_or_with_bad_credentials()
    {
        await using Harness harness = await StartSecuredAsync(new VaultHandler(), s => s.RequireAuthentication = true);

        var missing = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o => o.Reconnect.MaxAttempts = 1));
        var wrong = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o => o.Credentials = TetherCredentials.Bearer("not-a-user-token")));
        var foreign = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o => o.Credentials = new TetherCredentials("Kerberos", [1, 2, 3])));
        var fine = new VaultHandler.Client(await harness.ConnectAsync(o => o.Credentials = TestTokenAuthenticator.Token("carol")));

        Assert.Equal(TetherErrorCode.Unauthenticated, missing.Code);
        Assert.Contains("requires credentials", missing.Message);
        Assert.Equal(TetherErrorCode.Unauthenticated, wrong.Code);
        Assert.Equal("The token is not valid.", wrong.Message);
        Assert.Equal(TetherErrorCode.Unauthenticated, foreign.Code);
        Assert.Contains("Kerberos", foreign.Message);
        Assert.Equal("carol", (await fine.Whoami(new VaultProbe(1)).Within()).Name);

        // A refused connection is retired after its link closed, on the thread pool (over QUIC, after the close too).
        await harness.WaitForSessionChangeAsync(() => harness.Server.Sessions.Count == 1);
        Assert.Single(harness.Server.Sessions); // the refused hellos never became sessions
    }

    [Fact]
    public async Task A_rate_limit_refuses_with_retry_after_per_partition_and_weighs_calls()
    {
        await using Harness harness = await StartSecuredAsync(new VaultHandler(), s =>
            s.RateLimits.Policies["metered"] = RateLimitPolicy.FixedWindow(RateLimitPartition.Session, permits: 4, window: TimeSpan.FromHours(1)));
        var first = new VaultHandler.Client(await harness.ConnectAsync());
        var second = new VaultHandler.Client(await harness.ConnectAsync());

        // Metered weighs 2: two calls fit in 4 permits, the third is refused and says when to come back.
        await first.Metered(new VaultProbe(1)).Within();
        await first.Metered(new VaultProbe(2)).Within();
        var limited = await Assert.ThrowsAsync<TetherException>(() => first.Metered(new VaultProbe(3)).AsTask()).Within();

        Assert.Equal(TetherErrorCode.RateLimited, limited.Code);
        Assert.True(limited.IsRetryable);
        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromHours(1));
        Assert.Contains("metered", limited.Message);

        // Another session is another partition; methods without the policy are not limited.
        Assert.Equal(4, (await second.Metered(new VaultProbe(4)).Within()).Id);
        Assert.Equal(5, (await first.Status(new VaultProbe(5)).Within()).Id);
    }

    [Fact]
    public async Task One_way_messages_over_a_rate_limit_wait_for_permits_and_none_is_lost()
    {
        var vault = new VaultHandler();
        await using Harness harness = await StartSecuredAsync(vault, s =>
            s.RateLimits.Policies["metered"] = RateLimitPolicy.TokenBucket(RateLimitPartition.Session, permitsPerSecond: 50, burst: 2));
        var client = new VaultHandler.Client(await harness.ConnectAsync());

        for (int i = 1; i <= 8; i++)
        {
            await client.Note(new VaultProbe(i)).Within();
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], await vault.Notes.TakeAsync(8)); // all of them, in order
    }
}
