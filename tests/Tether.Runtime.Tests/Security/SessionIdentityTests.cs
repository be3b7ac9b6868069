using System.Security.Claims;
using Tether.Security;

namespace Tether.Runtime.Tests.Security;

/// <summary>An anonymous session's principal is made when first asked for (an idle session holds none), once, and its own.</summary>
public sealed class SessionIdentityTests
{
    [Fact]
    public void An_anonymous_principal_is_made_once_per_session_and_is_not_authenticated()
    {
        var first = new SessionIdentity(null, null, long.MaxValue, methodCount: 2);
        var second = new SessionIdentity(null, null, long.MaxValue, methodCount: 2);

        ClaimsPrincipal principal = first.Principal;

        Assert.Same(principal, first.Principal);
        Assert.NotSame(principal, second.Principal); // a principal is mutable: sessions never share one
        Assert.False(principal.Identity!.IsAuthenticated);
        Assert.False(first.IsAuthenticated);
        Assert.Equal("", first.Subject);
        Assert.Equal("anonymous", first.PrincipalKey);
    }

    [Fact]
    public async Task Readers_racing_for_an_anonymous_principal_all_get_the_same_one()
    {
        var identity = new SessionIdentity(null, null, long.MaxValue, methodCount: 1);
        using var start = new Barrier(4);
        Task<ClaimsPrincipal>[] readers = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return identity.Principal;
        }))];

        ClaimsPrincipal[] seen = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(seen, p => Assert.Same(seen[0], p));
    }

    [Fact]
    public void An_authenticated_principal_is_kept_as_given()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "alice")], "test"));

        var identity = new SessionIdentity(principal, null, long.MaxValue, methodCount: 1);

        Assert.Same(principal, identity.Principal);
        Assert.True(identity.IsAuthenticated);
        Assert.Equal("alice", identity.Subject);
    }
}
