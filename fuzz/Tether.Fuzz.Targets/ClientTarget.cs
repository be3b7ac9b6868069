using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Fuzz;

/// <summary>
/// A real <see cref="TetherClient"/> against a hostile server, making one unary call (<see cref="ClientTargetBase"/>).
/// The control byte's bits 1–7 are a staged input's first part in units of 8 bytes. Covers the client's side of the
/// hello, negotiation and resume, and its handling of answers, pushes and control frames.
/// </summary>
public sealed class ClientTarget() : ClientTargetBase("client")
{
    public override string Name => "client";

    public override string Description => "a TetherClient over the in-memory transport, fed what a hostile server sends";

    protected override int StagedBytes(byte control) => (control >> 1) * 8;

    protected override Task CallAsync(TetherClient client, byte control) =>
        new IFuzzService.Client(client).Call(Samples.Rich, Bounded).AsTask();

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        var plain = new SessionContract(new Guid("a1b2c3d4-0000-4000-8000-000000000002"), ProtocolConstants.Version, "inmemory", [new("Fuzz", 1)], [], Resumable: false);
        byte[] hello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, new ServerHello(1 << 20, plain, null, 0, Resumed: false, TimeSpan.Zero).Encode());
        byte[] receipt = TetherCodec.ToArray(new Receipt(3, "ok"));
        // Staged just past the hello (the first multiple of 8 bytes that holds it), so the answer's rest arrives after the call went out.
        byte stage = Stage(hello.Length, unit: 8, shift: 1);
        yield return new("answered", [stage, .. hello, .. SeedBytes.Frame(FrameType.Response, FirstCallId, 4, receipt, FrameFlags.Headers, SeedBytes.HeadersBlock())]);
        // A stream item answering the unary call: failed in place, the call stayed in the table and a close completed it again.
        yield return new("stream-item-for-unary-call", [stage, .. hello, .. SeedBytes.Frame(FrameType.StreamItem, FirstCallId, 4, receipt)]);
        yield return new("refused-call", [stage, .. hello, .. SeedBytes.Frame(FrameType.Error, FirstCallId, (int)TetherErrorCode.RateLimited, "slow down"u8)]);

        var resumable = plain with { Resumable = true, SessionId = new Guid("a1b2c3d4-0000-4000-8000-000000000003") };
        byte[] resumableHello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version,
            new ServerHello(1 << 20, resumable, new byte[ProtocolConstants.ResumeTokenSize], 0, Resumed: false, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)).Encode());
        byte[] ping = SeedBytes.Frame(FrameType.Ping, 0, 0, BitConverter.GetBytes(9L));
        byte[] ack = SeedBytes.Frame(FrameType.Ack, 0, 0, BitConverter.GetBytes(1L));
        byte[] push = SeedBytes.Frame(FrameType.Message, 0, SeedBytes.NoteMethodId, TetherCodec.ToArray(Samples.Rich), sequence: 1);
        byte[] goAway = SeedBytes.Frame(FrameType.GoAway, 0, (int)TetherErrorCode.GoingAway, "bye"u8);
        yield return new("resumable-session", [0, .. resumableHello, .. ping, .. ack, .. push, .. goAway]);
        yield return new("refused-hello", [0, .. SeedBytes.Frame(FrameType.GoAway, 0, (int)TetherErrorCode.Unauthenticated, "who are you"u8)]);
    }
}
