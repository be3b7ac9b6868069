using System.Buffers;
using System.IO.Pipelines;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;

namespace Tether.Conformance.Tests.Support;

/// <summary>A peer that speaks bytes, not Tether: for hostile-input tests over any transport.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TransportConnection _connection;

    private RawPeer(TransportConnection connection) => _connection = connection;

    public static async Task<RawPeer> ConnectAsync(Harness harness, TransportConnectionOptions? options = null) =>
        new(await harness.Transport.Connector.ConnectAsync(harness.Server.LocalEndPoint!, options ?? new TransportConnectionOptions()).AsTask().Within());

    public static async Task<RawPeer> ConnectAsync(ITransportConnector connector, System.Net.EndPoint endPoint) =>
        new(await connector.ConnectAsync(endPoint, new TransportConnectionOptions()).AsTask().Within());

    /// <summary>The server's side of a connection a listener accepted: the test plays the server.</summary>
    public static async Task<RawPeer> AcceptAsync(ITransportListener listener) =>
        new((await listener.AcceptAsync().AsTask().Within())!);

    /// <summary>Drops the link without a goodbye (as a network fault would).</summary>
    public void Abort() => _connection.Abort();

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        FlushResult _ = await _connection.Output.WriteAsync(bytes);
    }

    public Task SendFrameAsync(FrameType type, uint callId, int messageId, ReadOnlySpan<byte> payload, FrameFlags flags = FrameFlags.None, int? claimedLength = null, ushort sequence = 0)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(claimedLength ?? payload.Length, type, flags, callId, messageId) { Sequence = sequence }.Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return SendAsync(frame);
    }

    public Task SendHelloAsync(int maxFrameSize = 4 * 1024 * 1024)
    {
        byte[] hello = new byte[HelloPayload.Size];
        new HelloPayload(maxFrameSize).Write(hello);
        return SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, hello);
    }

    /// <summary>Sends an in-memory client hello that asks for a resumable session, and checks the server's hello grants one.</summary>
    public async Task NegotiateResumableAsync()
    {
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        var hello = await ReadFrameAsync().Within();
        Assert.Equal(FrameType.Hello, hello?.Header.Type);
        Assert.True(ServerHello.Decode(hello!.Value.Header.MessageId, hello.Value.Payload, []).Contract.Resumable);
    }

    /// <summary>The next frame, or null once the peer closed the connection.</summary>
    public async Task<(FrameHeader Header, byte[] Payload)?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        PipeReader input = _connection.Input;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancellationToken);
            }
            catch (TetherException)
            {
                return null; // reset by the peer
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start;
            SequencePosition examined = buffer.End;
            if (FrameParser.TryRead(buffer, int.MaxValue, sequenced: true, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload) == FrameParseStatus.Complete)
            {
                byte[] bytes = payload.ToArray();
                input.AdvanceTo(consumed, consumed);
                return (header, bytes);
            }

            input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads until the peer closes; returns the goaway it sent on the way, if any.</summary>
    public async Task<FrameHeader?> ReadUntilClosedAsync()
    {
        using var timeout = new CancellationTokenSource(Harness.Patience);
        FrameHeader? goAway = null;
        while (await ReadFrameAsync(timeout.Token) is { } frame)
        {
            if (frame.Header.Type == FrameType.GoAway)
            {
                goAway = frame.Header;
            }
        }

        return goAway;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
