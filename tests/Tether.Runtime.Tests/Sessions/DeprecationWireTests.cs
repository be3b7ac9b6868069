using Tether.Sessions;

namespace Tether.Runtime.Tests.Sessions;

/// <summary>The server hello's deprecated methods (docs/wire-format.md §7.2): byte layout, readers without them, and the limits a server keeps to.</summary>
public sealed class DeprecationWireTests
{
    private static readonly SessionContract Plain = new(Guid.NewGuid(), 3, "tcp", [], [], Resumable: false);

    [Fact]
    public void Deprecations_follow_session_flag_bit_1_byte_for_byte_on_plain_and_resumable_sessions()
    {
        DeprecatedMethod[] deprecated = [new("Orders", "Place", 77, "Use PlaceV2.")];
        byte[] without = new ServerHello(1 << 20, Plain, null, 0, false, TimeSpan.Zero).Encode();
        byte[] with = new ServerHello(1 << 20, Plain with { DeprecatedMethods = deprecated }, null, 0, false, TimeSpan.Zero).Encode();

        // Without: the hello ends after the credentials lifetime (0). With: flags 2, one entry: service, method, id, reason.
        Assert.Equal(without, with[..without.Length]);
        byte[] tail = [2, 1, 7, .. "Orders"u8, 6, .. "Place"u8, 77, 13, .. "Use PlaceV2."u8];
        Assert.Equal(tail, with[without.Length..]);
        Assert.Equal(deprecated, ServerHello.Decode(3, with, []).Contract.DeprecatedMethods);
        Assert.Empty(ServerHello.Decode(3, without, []).Contract.DeprecatedMethods);

        SessionContract resumable = Plain with { Resumable = true, Durable = true, DeprecatedMethods = deprecated };
        ServerHello read = ServerHello.Decode(3, new ServerHello(1 << 20, resumable, new byte[32], 5, false, TimeSpan.FromSeconds(60)).Encode(), []);
        Assert.True(read.Contract.Durable);
        Assert.Equal(deprecated, read.Contract.DeprecatedMethods);
    }

    [Fact]
    public void A_server_with_many_deprecations_keeps_its_hello_readable()
    {
        DeprecatedMethod[] many = [.. Enumerable.Range(1, 100).Select(i => new DeprecatedMethod("Service" + i, "Method" + i, i, new string('r', 1000)))];

        IReadOnlyList<DeprecatedMethod> fitted = ServerHello.FitDeprecations(many);
        byte[] hello = new ServerHello(1 << 20, Plain with { DeprecatedMethods = fitted }, null, 0, false, TimeSpan.Zero).Encode();

        Assert.InRange(fitted.Count, 1, 32);
        Assert.All(fitted, static d => Assert.Equal(200, d.Reason.Length));
        Assert.True(hello.Length <= 9 * 1024, $"{hello.Length} bytes");
        Assert.Equal(fitted, ServerHello.Decode(3, hello, []).Contract.DeprecatedMethods);
    }
}
