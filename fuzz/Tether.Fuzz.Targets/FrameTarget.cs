using System.Buffers;
using Tether.Connections;
using Tether.Framing;
using Tether.Sessions;

namespace Tether.Fuzz;

/// <summary>
/// The frame layer: the parser over a received byte stream (split into two segments where the first input byte says,
/// sequenced or not by its low bit), then each complete frame's payload read the way the connection reads it by type
/// (hello, call headers and trailers, control payloads, error text, credentials).
/// </summary>
public sealed class FrameTarget : FuzzTarget
{
    private const int MaxPayload = 64 * 1024;
    private static readonly CallHeaderLimits s_limits = new(8 * 1024, 64);

    public override string Name => "frames";

    public override string Description => "FrameParser over a two-segment stream, then each frame's payload by type";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        bool sequenced = (input[0] & 1) != 0;
        byte[] bytes = input.Slice(1).ToArray();
        int split = Math.Min(input[1], bytes.Length);
        ReadOnlySequence<byte> stream = Segments.Split(bytes, split);
        InputRules.Decode(bytes.Length, (stream, sequenced), static s => ReadAll(s.stream, s.sequenced));
    }

    private static void ReadAll(ReadOnlySequence<byte> stream, bool sequenced)
    {
        while (true)
        {
            SequencePosition consumed = stream.Start;
            SequencePosition examined = stream.Start;
            FrameParseStatus status = FrameParser.TryRead(stream, MaxPayload, sequenced, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload);
            if (status != FrameParseStatus.Complete)
            {
                return; // more data needed, or the connection would close with a protocol error here
            }

            ReadPayload(header, payload);
            stream = stream.Slice(consumed);
        }
    }

    private static void ReadPayload(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if ((header.Flags & FrameFlags.Headers) != 0
            && CallHeaderCodec.TryRead(payload, s_limits, out IncomingCallHeaders? headers, out ReadOnlySequence<byte> rest, out _) == TetherErrorCode.None)
        {
            _ = headers!.Metadata.Count;
            payload = rest;
        }

        switch (header.Type)
        {
            case FrameType.Hello:
                byte[] hello = payload.ToArray();
                if (HelloPayload.TryRead(hello, out _))
                {
                    _ = ClientHello.Decode(header.MessageId, hello);
                }

                break;
            case FrameType.Ping or FrameType.Pong or FrameType.Ack or FrameType.Moved when payload.Length == 8:
                _ = ControlPayload.ReadUInt64(payload);
                break;
            case FrameType.Error or FrameType.GoAway:
                _ = ControlPayload.ReadText(payload);
                break;
            case FrameType.Authenticate:
                var reader = new Serialization.TetherReader(payload);
                _ = HelloCodec.ReadCredentials(ref reader);
                break;
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        byte[] hello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, SeedBytes.ClientHello(resume: false));
        byte[] request = SeedBytes.Frame(FrameType.Request, 1, SeedBytes.CallMethodId, TetherCodec.ToArray(Samples.Rich), FrameFlags.Headers, SeedBytes.HeadersBlock());
        byte[] ping = SeedBytes.Frame(FrameType.Ping, 0, 0, BitConverter.GetBytes(42L));
        byte[] error = SeedBytes.Frame(FrameType.Error, 3, (int)TetherErrorCode.DecodeTruncated, "truncated"u8.ToArray());
        yield return new("hello-request-ping", [0, 8, .. hello, .. request, .. ping]);
        yield return new("sequenced-error", [1, 20, .. error, .. ping]);
        yield return new("authenticate", [0, 0, .. SeedBytes.Frame(FrameType.Authenticate, 1, 0, SeedBytes.Credentials())]);
    }
}
