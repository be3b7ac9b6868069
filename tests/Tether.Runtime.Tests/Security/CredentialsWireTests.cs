using Tether.Security;
using Tether.Sessions;

namespace Tether.Runtime.Tests.Security;

/// <summary>Credentials in the hello and the credentials lifetime in the server's (docs/wire-format.md §7.1, §7.2, §7.4).</summary>
public sealed class CredentialsWireTests
{
    private static readonly NegotiationOffer Offer = new([3], ["tcp"], [], [], WantsResume: true);

    [Fact]
    public void Credentials_end_the_client_hello_byte_for_byte()
    {
        byte[] plain = new ClientHello(1 << 20, Offer, null).Encode();
        byte[] withKey = new ClientHello(1 << 20, Offer, null, new TetherCredentials("ApiKey", "k1"u8)).Encode();

        // The hello without credentials ends with a 0 byte (none); with them: 1, the scheme (length + 1, UTF-8), the secret.
        Assert.Equal(0, plain[^1]);
        Assert.Equal(plain[..^1], withKey[..(plain.Length - 1)]);
        Assert.Equal(new byte[] { 1, 7, (byte)'A', (byte)'p', (byte)'i', (byte)'K', (byte)'e', (byte)'y', 3, (byte)'k', (byte)'1' }, withKey[(plain.Length - 1)..]);

        ClientHello read = ClientHello.Decode(3, withKey);
        Assert.Equal("ApiKey", read.Credentials!.Scheme);
        Assert.Equal("k1"u8.ToArray(), read.Credentials.Secret.ToArray());
        Assert.Null(ClientHello.Decode(3, plain).Credentials);
    }

    [Fact]
    public void A_hello_from_before_credentials_still_reads_and_presents_none()
    {
        byte[] old = new ClientHello(1 << 20, Offer, null).Encode()[..^1]; // what a client without the field sent

        Assert.Null(ClientHello.Decode(3, old).Credentials);
    }

    [Fact]
    public void Credentials_over_their_limits_are_a_malformed_hello()
    {
        byte[] hello = new ClientHello(1 << 20, Offer, null).Encode()[..^1];
        byte[] longScheme = [.. hello, 1, 66, .. Enumerable.Repeat((byte)'s', 65), 1];

        var refused = Assert.Throws<TetherException>(() => ClientHello.Decode(3, longScheme));
        Assert.Equal(TetherErrorCode.UnsupportedVersion, refused.Code);
        Assert.Contains("credentials", refused.Message);
        Assert.Throws<ArgumentException>(() => new TetherCredentials("Bearer", new byte[TetherCredentials.MaxSecretBytes + 1]));
    }

    [Fact]
    public void The_server_hello_carries_the_credentials_lifetime_and_reads_without_it()
    {
        var contract = new SessionContract(Guid.NewGuid(), 3, "tcp", [], [], Resumable: false);
        byte[] none = new ServerHello(1 << 20, contract, null, 0, false, TimeSpan.Zero).Encode();
        byte[] tenSeconds = new ServerHello(1 << 20, contract, null, 0, false, TimeSpan.Zero, TimeSpan.FromSeconds(10)).Encode();

        Assert.Equal(0, none[^1]);
        Assert.Equal(new byte[] { 0x90, 0x4E }, tenSeconds.AsSpan(tenSeconds.Length - 2).ToArray()); // 10,000 as a varint
        Assert.Null(ServerHello.Decode(3, none, []).CredentialsLifetime);
        Assert.Equal(TimeSpan.FromSeconds(10), ServerHello.Decode(3, tenSeconds, []).CredentialsLifetime);
        Assert.Null(ServerHello.Decode(3, none.AsSpan(0, none.Length - 1), []).CredentialsLifetime); // a server from before the field
    }

    [Fact]
    public void Credentials_never_show_their_secret()
    {
        var credentials = TetherCredentials.Bearer("very-secret-token");

        Assert.DoesNotContain("very-secret", credentials.ToString());
        Assert.Equal("very-secret-token", credentials.GetSecretText());
    }
}
