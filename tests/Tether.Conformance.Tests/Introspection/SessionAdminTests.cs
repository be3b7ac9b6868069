using Tether.Conformance.Tests.Support;
using Tether.Introspection;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Tether.Conformance.Tests.Introspection;

/// <summary>The built-in session administration service: only an administrator may list, show and end sessions.</summary>
public sealed class SessionAdminTests
{
    [Fact]
    public async Task An_administrator_lists_shows_and_ends_another_clients_session()
    {
        var keys = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey admin = await keys.CreateAsync("ops", roles: [IntrospectionNames.AdminRole]);
        CreatedApiKey user = await keys.CreateAsync("app");
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
        {
            o.EnableSessionAdmin = true;
            o.Security.Authenticators.Add(new ApiKeyAuthenticator(keys));
        });
        TetherClient victim = await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(user.Key));
        TetherClient ops = await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(admin.Key));
        var sessions = new ISessionAdmin.Client(ops);
        Guid victimId = victim.Contract!.SessionId;
        harness.Server.AddToGroup(harness.Server.Sessions.Single(s => s.Id == victimId), "watchers");

        SessionList all = await sessions.List(new SessionQuery(null, 0)).Within();
        SessionList watchers = await sessions.List(new SessionQuery("watchers", 0)).Within();
        SessionList limited = await sessions.List(new SessionQuery(null, 1)).Within();
        SessionDetail detail = await sessions.Show(new SessionRef(victimId)).Within();
        SessionEnded ended = await sessions.Terminate(new SessionRef(victimId)).Within();
        await victim.Closed.Within();

        Assert.Equal(2, all.Total);
        Assert.Equal([ops.Contract!.SessionId, victimId], all.Sessions.Select(static s => s.Id)); // newest first
        Assert.Equal(["app", "ops"], all.Sessions.Select(static s => s.Principal).Order());
        Assert.Equal(victimId, Assert.Single(watchers.Sessions).Id);
        Assert.Equal((2, 1), (limited.Total, limited.Sessions.Count));
        Assert.Equal((victimId, SessionState.Active, "tcp"), (detail.Summary.Id, detail.Summary.State, detail.Summary.Transport));
        Assert.Equal(["watchers"], detail.Groups);
        Assert.True(detail.BytesReceived > 0);
        Assert.Equal((victimId, SessionState.Active), (ended.Id, ended.PreviousState));
        Assert.False(harness.Server.TryGetSession(victimId, out _));
        TetherException gone = await Assert.ThrowsAsync<TetherException>(() => sessions.Show(new SessionRef(victimId)).Within());
        Assert.Equal(TetherErrorCode.NotFound, gone.Code);
        TetherException self = await Assert.ThrowsAsync<TetherException>(() => sessions.Terminate(new SessionRef(ops.Contract.SessionId)).Within());
        Assert.Equal(TetherErrorCode.InvalidArgument, self.Code);
    }

    [Fact]
    public async Task Anyone_else_is_refused_typed()
    {
        var keys = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey user = await keys.CreateAsync("app", roles: ["admin"]); // an application's role, not Tether's
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
        {
            o.EnableSessionAdmin = true;
            o.Security.Authenticators.Add(new ApiKeyAuthenticator(keys));
        });
        var anonymous = new ISessionAdmin.Client(await harness.ConnectAsync());
        var authenticated = new ISessionAdmin.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(user.Key)));

        TetherException unauthenticated = await Assert.ThrowsAsync<TetherException>(() => anonymous.List(new SessionQuery(null, 0)).Within());
        TetherException denied = await Assert.ThrowsAsync<TetherException>(() => authenticated.List(new SessionQuery(null, 0)).Within());

        Assert.Equal(TetherErrorCode.Unauthenticated, unauthenticated.Code);
        Assert.Equal(TetherErrorCode.PermissionDenied, denied.Code);
    }
}
