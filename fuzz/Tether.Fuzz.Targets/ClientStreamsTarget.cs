using System.Runtime.CompilerServices;
using Tether.Framing;
using Tether.Sessions;

namespace Tether.Fuzz;

/// <summary>
/// A real <see cref="TetherClient"/> against a hostile server, making stream calls (<see cref="ClientTargetBase"/>): the
/// control byte's bits 1–2 choose a server stream, a client stream (two items), a bidirectional stream (two items), or
/// all three at once; bits 3–7 are a staged input's first part in units of 16 bytes. Covers the caller's side of the
/// stream protocol (decision 0026): items, their credit and window, request streams and their credit, ends, errors and
/// replies of the wrong kind, across calls that share the connection.
/// </summary>
public sealed class ClientStreamsTarget() : ClientTargetBase("client-streams")
{
    private const int ServerStream = 0, ClientStream = 1, Bidirectional = 2, AllThree = 3;

    public override string Name => "client-streams";

    public override string Description => "a TetherClient's stream calls over the in-memory transport, fed what a hostile server sends";

    protected override int StagedBytes(byte control) => (control >> 3) * 16;

    protected override Task CallAsync(TetherClient client, byte control)
    {
        var service = new IFuzzService.Client(client);
        return ((control >> 1) & 3) switch
        {
            ServerStream => ReadAllAsync(service.Stream(Samples.Rich, Bounded)),
            ClientStream => service.Upload(TwoValues(), Bounded).AsTask(),
            Bidirectional => ReadAllAsync(service.Chat(TwoValues(), Bounded)),
            _ => Task.WhenAll(
                ReadAllAsync(service.Stream(Samples.Rich, Bounded)),
                service.Upload(TwoValues(), Bounded).AsTask(),
                ReadAllAsync(service.Chat(TwoValues(), Bounded))),
        };
    }

    private static async Task ReadAllAsync(IAsyncEnumerable<Receipt> items)
    {
        await foreach (Receipt _ in items.ConfigureAwait(false))
        {
        }
    }

    private static async IAsyncEnumerable<Everything> TwoValues([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return Samples.Rich;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return Samples.Rich;
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        var contract = new SessionContract(new Guid("a1b2c3d4-0000-4000-8000-000000000004"), ProtocolConstants.Version, "inmemory", [new("Fuzz", 1)], [], Resumable: false);
        byte[] hello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, new ServerHello(1 << 20, contract, null, 0, Resumed: false, TimeSpan.Zero).Encode());
        byte[] receipt = TetherCodec.ToArray(new Receipt(3, "ok"));
        const uint second = (1u << 20) | 2, third = (1u << 20) | 3; // slots 2 and 3, generation 1
        byte[] Item(uint call, int messageId = 4) => SeedBytes.Frame(FrameType.StreamItem, call, messageId, receipt);
        byte[] End(uint call) => SeedBytes.Frame(FrameType.End, call, 0, []);
        byte[] Credit(uint call, int items) => SeedBytes.Frame(FrameType.InputCredit, call, items, []);
        byte[] Reply(uint call) => SeedBytes.Frame(FrameType.Response, call, 4, receipt, FrameFlags.Headers, SeedBytes.HeadersBlock());
        byte Staged(int kind) => Stage(hello.Length, unit: 16, shift: 3, otherBits: kind << 1);

        yield return new("server-stream", [Staged(ServerStream), .. hello, .. Item(FirstCallId), .. Item(FirstCallId), .. End(FirstCallId)]);
        yield return new("server-stream-item-of-another-type", [Staged(ServerStream), .. hello, .. Item(FirstCallId), .. Item(FirstCallId, messageId: 999)]);
        yield return new("server-stream-failed", [Staged(ServerStream), .. hello, .. Item(FirstCallId),
            .. SeedBytes.Frame(FrameType.Error, FirstCallId, (int)TetherErrorCode.HandlerFailed, "broke"u8)]);
        yield return new("client-stream", [Staged(ClientStream), .. hello, .. Credit(FirstCallId, 8), .. Reply(FirstCallId)]);
        yield return new("client-stream-answered-with-items", [Staged(ClientStream), .. hello, .. Item(FirstCallId), .. End(FirstCallId)]);
        yield return new("bidirectional", [Staged(Bidirectional), .. hello, .. Credit(FirstCallId, 8), .. Item(FirstCallId), .. End(FirstCallId)]);
        yield return new("all-three", [Staged(AllThree), .. hello, .. Item(FirstCallId), .. Credit(second, 4), .. Credit(third, 4), .. Item(third),
            .. Reply(second), .. End(FirstCallId), .. Item(third), .. End(third)]);
    }
}
