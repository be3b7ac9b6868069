using Tether.Framing;

namespace Tether.Runtime.Tests.Framing;

[Message(9)]
public sealed partial record SayRequest(int Id, string Text);

/// <summary>The byte-exact examples of <c>docs/wire-format.md</c> §6.7 and §6.11, built by the code that writes frames.</summary>
public sealed class WireExampleTests
{
    [Fact]
    public void A_request_by_method_id_is_the_documented_bytes()
    {
        int method = MethodIds.Derive("Echo", "Say");
        Assert.Equal(818_921_076, method);

        Assert.Equal(
            "05 00 00 00 02 00 00 00 05 00 00 00 74 BE CF 30 02 0E 03 68 69",
            Frame(new FrameHeader(5, FrameType.Request, FrameFlags.None, 5, method), new SayRequest(7, "hi")));
    }

    [Fact]
    public void A_request_by_message_type_is_the_documented_bytes()
    {
        Assert.Equal(
            "05 00 00 00 02 04 00 00 05 00 00 00 09 00 00 00 02 0E 03 68 69",
            Frame(new FrameHeader(5, FrameType.Request, FrameFlags.ByMessageType, 5, 9), new SayRequest(7, "hi")));
    }

    [Fact]
    public void A_credit_grant_is_the_documented_bytes()
    {
        // docs/wire-format.md §6.11: a grant of 16 items for call 42's response stream.
        byte[] frame = new byte[FrameHeader.Size];
        new FrameHeader(0, FrameType.Credit, FrameFlags.None, 42, 16).Write(frame);
        Assert.Equal("00 00 00 00 11 00 00 00 2A 00 00 00 10 00 00 00", Hex(frame));
        var input = new System.Buffers.ReadOnlySequence<byte>(frame);
        SequencePosition consumed = input.Start, examined = input.Start;
        Assert.Equal(FrameParseStatus.Complete, FrameParser.TryRead(input, 1024, ref consumed, ref examined, out FrameHeader parsed, out _));
        Assert.Equal(new FrameHeader(0, FrameType.Credit, FrameFlags.None, 42, 16), parsed);
    }

    private static string Hex(byte[] frame) => Convert.ToHexString(frame).Chunk(2).Select(static pair => new string(pair)).Aggregate(static (a, b) => a + " " + b);

    private static string Frame(FrameHeader header, SayRequest body)
    {
        byte[] frame = new byte[FrameHeader.Size + header.PayloadLength];
        header.Write(frame);
        Assert.Equal(header.PayloadLength, TetherCodec.Encode(frame.AsSpan(FrameHeader.Size), body));
        return Hex(frame);
    }
}
