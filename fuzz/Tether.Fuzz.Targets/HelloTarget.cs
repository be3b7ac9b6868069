using Tether.Framing;
using Tether.Sessions;

namespace Tether.Fuzz;

/// <summary>
/// The handshake: an even first byte makes the rest a client hello, read and negotiated against a server that offers
/// the Fuzz service over two transports; an odd one a server hello, read as a client reads it.
/// </summary>
public sealed class HelloTarget : FuzzTarget
{
    private static readonly Capability[] s_services = [new("Fuzz", 1), new("Other", 3)];
    private static readonly string[] s_transports = ["tcp", "quic"];
    private static readonly NegotiationPolicy s_policy = new();

    public override string Name => "hello";

    public override string Description => "ClientHello.Decode then Negotiator.Negotiate; or ServerHello.Decode";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        byte[] payload = input.Slice(1).ToArray();
        if ((input[0] & 1) == 0)
        {
            InputRules.Decode(payload.Length, payload, static p =>
            {
                ClientHello hello = ClientHello.Decode(ProtocolConstants.Version, p);
                _ = Negotiator.Negotiate(hello.Offer, s_policy, s_services, s_transports, "tcp", Guid.Empty);
            });
        }
        else
        {
            InputRules.Decode(payload.Length, payload, static p => ServerHello.Decode(ProtocolConstants.Version, p, []));
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("client-new", [0, .. SeedBytes.ClientHello(resume: false)]);
        yield return new("client-resume", [0, .. SeedBytes.ClientHello(resume: true)]);
        byte[] minimal = new byte[HelloPayload.Size];
        new HelloPayload(64 * 1024).Write(minimal);
        yield return new("client-minimal", [0, .. minimal]);
        var contract = new SessionContract(new Guid("a1b2c3d4-0000-4000-8000-000000000001"), ProtocolConstants.Version, "tcp", s_services, [], Resumable: true) { Durable = true };
        byte[] server = new ServerHello(1 << 20, contract, new byte[ProtocolConstants.ResumeTokenSize], 9, Resumed: true, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5)).Encode();
        yield return new("server-resumed", [1, .. server]);
        var plain = new SessionContract(new Guid("a1b2c3d4-0000-4000-8000-000000000002"), ProtocolConstants.Version, "tcp", s_services, [], Resumable: false)
        {
            DeprecatedMethods = [new DeprecatedMethod("Orders", "Place", 77, "Use PlaceV2.")],
        };
        yield return new("server-deprecations", [1, .. new ServerHello(1 << 20, plain, null, 0, Resumed: false, TimeSpan.Zero).Encode()]);
    }
}
