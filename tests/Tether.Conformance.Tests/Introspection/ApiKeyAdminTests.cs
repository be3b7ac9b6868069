using Tether.Conformance.Tests.Support;
using Tether.Introspection;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Tether.Conformance.Tests.Introspection;

/// <summary>The key administration service: an administrator manages keys from a client; what it creates works at once.</summary>
public sealed class ApiKeyAdminTests
{
    [Fact]
    public async Task An_administrator_creates_lists_disables_enables_and_rotates_keys_from_a_client()
    {
        var keys = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey admin = await keys.CreateAsync("ops", roles: [IntrospectionNames.AdminRole]);
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o =>
        {
            o.Security.Authenticators.Add(new ApiKeyAuthenticator(keys));
            o.Security.RequireAuthentication = true;
        }, s => s.AddHandler(new ApiKeyAdminHandler(keys)));
        var admin1 = new IApiKeyAdmin.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(admin.Key)));

        ApiKeyCreated created = await admin1.Create(new ApiKeyCreateRequest("billing", ["reader"], ["orders:read"], null)).Within();
        TetherClient holder = await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(created.Secret));
        ApiKeyList listed = await admin1.List(new ApiKeyListRequest(IncludeDisabled: false)).Within();
        ApiKeyInfo disabled = await admin1.Disable(new ApiKeyRef(created.Key.Id)).Within();
        TetherException refused = await Assert.ThrowsAsync<TetherException>(() => harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(created.Secret)));
        ApiKeyList enabledOnly = await admin1.List(new ApiKeyListRequest(IncludeDisabled: false)).Within();
        ApiKeyInfo enabled = await admin1.Enable(new ApiKeyRef(created.Key.Id)).Within();
        ApiKeyCreated rotated = await admin1.Rotate(new ApiKeyRotateRequest(created.Key.Id, TimeSpan.Zero)).Within();
        TetherClient rotatedHolder = await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(rotated.Secret));

        Assert.StartsWith("tether_" + created.Key.Id + "_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(("billing", true), (created.Key.Name, created.Key.Enabled));
        Assert.Equal(["reader"], created.Key.Roles);
        Assert.Equal(["orders:read"], created.Key.Scopes);
        Assert.Equal(SessionState.Active, holder.State);
        Assert.Equal(["billing", "ops"], listed.Keys.Select(static k => k.Name));
        Assert.False(disabled.Enabled);
        Assert.Equal(TetherErrorCode.Unauthenticated, refused.Code);
        Assert.Equal(["ops"], enabledOnly.Keys.Select(static k => k.Name));
        Assert.True(enabled.Enabled);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Equal(SessionState.Active, rotatedHolder.State);
        Assert.DoesNotContain(rotated.Secret, rotated.ToString(), StringComparison.Ordinal);
        TetherException missing = await Assert.ThrowsAsync<TetherException>(() => admin1.Disable(new ApiKeyRef("0123456789abcdef")).Within());
        Assert.Equal(TetherErrorCode.NotFound, missing.Code);
    }

    [Fact]
    public async Task A_key_without_the_admin_role_cannot_manage_keys()
    {
        var keys = new ApiKeyManager(new InMemoryApiKeyStore());
        CreatedApiKey user = await keys.CreateAsync("app", roles: ["admin"]);
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.Security.Authenticators.Add(new ApiKeyAuthenticator(keys)),
            s => s.AddHandler(new ApiKeyAdminHandler(keys)));
        var client = new IApiKeyAdmin.Client(await harness.ConnectAsync(o => o.Credentials = TetherCredentials.ApiKey(user.Key)));

        TetherException denied = await Assert.ThrowsAsync<TetherException>(() => client.Create(new ApiKeyCreateRequest("mine", null, null, null)).Within());

        Assert.Equal(TetherErrorCode.PermissionDenied, denied.Code);
        Assert.Single(await keys.ListAsync());
    }
}
