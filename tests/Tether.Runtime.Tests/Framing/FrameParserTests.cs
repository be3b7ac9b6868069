using System.Buffers;
using Tether.Framing;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Framing;

[Message(700)]
public sealed partial record FrameExample(long Id, string Text);

public sealed class FrameParserTests
{
    [Fact]
    public void Header_round_trips_every_field()
    {
        var header = new FrameHeader(123_456, FrameType.Response, FrameFlags.Empty, 0xDEADBEEF, -5);
        byte[] bytes = new byte[FrameHeader.Size];
        header.Write(bytes);

        Assert.Equal(header, FrameHeader.Read(bytes, out ushort reserved));
        Assert.Equal(0, reserved);
    }

    [Fact]
    public void Wire_format_example_matches_the_document()
    {
        // docs/wire-format.md §6.7 (its message id is 1 there; here the test message has id 700).
        byte[] body = TetherCodec.ToArray(new FrameExample(7, "hi"));
        byte[] frame = new byte[FrameHeader.Size + body.Length];
        new FrameHeader(body.Length, FrameType.Request, FrameFlags.None, 5, 1).Write(frame);
        body.CopyTo(frame, FrameHeader.Size);

        Assert.Equal("020E036869", Convert.ToHexString(body));
        Assert.Equal("05000000020000000500000001000000", Convert.ToHexString(frame, 0, FrameHeader.Size));
    }

    [Fact]
    public void Frames_are_read_one_byte_at_a_time_and_across_segments()
    {
        byte[] stream = [.. Frame(FrameType.Message, 0, 9, [1, 2, 3]), .. Frame(FrameType.Ping, 0, 0, [0, 0, 0, 0, 0, 0, 0, 42])];

        // Feed a growing prefix, as a pipe would: nothing is complete until every byte of a frame is there.
        var frames = new List<(FrameHeader, byte[])>();
        int start = 0;
        for (int available = 1; available <= stream.Length; available++)
        {
            byte[] window = stream.AsSpan(start, available - start).ToArray();
            ReadOnlySequence<byte> input = Sequences.Create([.. window.Select((_, i) => new ReadOnlyMemory<byte>(window, i, 1))]);
            SequencePosition consumed = input.Start, examined = input.End;
            FrameParseStatus status = FrameParser.TryRead(input, 1024, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload);
            if (status == FrameParseStatus.Complete)
            {
                frames.Add((header, payload.ToArray()));
                start += (int)input.Slice(0, consumed).Length;
            }
            else
            {
                Assert.Equal(FrameParseStatus.NeedMoreData, status);
                Assert.Equal(input.End, examined);
            }
        }

        Assert.Equal(2, frames.Count);
        Assert.Equal(new FrameHeader(3, FrameType.Message, FrameFlags.None, 0, 9), frames[0].Item1);
        Assert.Equal([1, 2, 3], frames[0].Item2);
        Assert.Equal(FrameType.Ping, frames[1].Item1.Type);
        Assert.Equal(42, frames[1].Item2[7]);
    }

    [Fact]
    public void Oversized_claim_is_rejected_from_the_header_alone()
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(int.MaxValue, FrameType.Request, FrameFlags.None, 1, 1).Write(header);
        var input = new ReadOnlySequence<byte>(header);
        SequencePosition consumed = input.Start, examined = input.End;

        Assert.Equal(FrameParseStatus.FrameTooLarge, FrameParser.TryRead(input, 4 * 1024 * 1024, ref consumed, ref examined, out _, out _));
    }

    [Theory]
    [InlineData(0x00, 0x00, 0)]
    [InlineData(0x13, 0x00, 0)] // the first type after InputCredit (0x12)
    [InlineData(0xFF, 0x00, 0)]
    [InlineData(0x04, 0x01, 0)] // message frames: only "by message type"
    [InlineData(0x04, 0x02, 0)]
    [InlineData(0x03, 0x02, 0)] // response: only "empty"
    [InlineData(0x03, 0x04, 0)]
    [InlineData(0x02, 0x01, 0)] // request: only "stream", "by message type", "headers", "compressed" and "input stream"
    [InlineData(0x02, 0x40, 0)]
    [InlineData(0x0F, 0x08, 0)] // input items carry no headers
    [InlineData(0x11, 0x10, 0)] // credits are never compressed
    [InlineData(0x07, 0x10, 0)] // errors are never compressed
    [InlineData(0x06, 0x10, 0)] // nor are stream ends
    [InlineData(0x01, 0x10, 0)] // nor hellos
    [InlineData(0x05, 0x08, 0)] // stream items carry no headers
    [InlineData(0x08, 0x08, 0)] // nor do cancels
    [InlineData(0x05, 0x04, 0)] // stream items are never routed
    [InlineData(0x04, 0x00, 1)] // reserved must be zero
    [InlineData(0x04, 0x80, 0)] // acknowledgement requests exist only on sequenced links
    public void Unknown_types_flags_and_reserved_bits_are_invalid(byte type, byte flags, ushort reserved)
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(0, (FrameType)type, (FrameFlags)flags, 0, 0).Write(header);
        header[6] = (byte)reserved;
        var input = new ReadOnlySequence<byte>(header);
        SequencePosition consumed = input.Start, examined = input.End;

        Assert.Equal(FrameParseStatus.InvalidHeader, FrameParser.TryRead(input, 1024, ref consumed, ref examined, out _, out _));
    }

    [Theory]
    [InlineData(0x02, 0x04)] // a request by message type
    [InlineData(0x02, 0x06)] // a stream request by message type
    [InlineData(0x04, 0x04)] // a one-way message by message type
    [InlineData(0x02, 0x08)] // a request with call headers
    [InlineData(0x03, 0x09)] // an empty response with trailing metadata
    [InlineData(0x06, 0x08)] // an end of stream with trailing metadata
    [InlineData(0x07, 0x08)] // an error with trailing metadata
    [InlineData(0x02, 0x1E)] // a compressed stream request by message type with headers
    [InlineData(0x03, 0x18)] // a compressed reply with trailing metadata
    [InlineData(0x04, 0x10)] // a compressed one-way message
    [InlineData(0x05, 0x10)] // a compressed stream item
    public void Flags_a_frame_type_may_carry_are_accepted(byte type, byte flags)
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(0, (FrameType)type, (FrameFlags)flags, type == 0x02 ? 1u : 0u, 9).Write(header);
        var input = new ReadOnlySequence<byte>(header);
        SequencePosition consumed = input.Start, examined = input.End;

        Assert.Equal(FrameParseStatus.Complete, FrameParser.TryRead(input, 1024, ref consumed, ref examined, out FrameHeader read, out _));
        Assert.Equal((FrameFlags)flags, read.Flags);
    }

    [Fact]
    public void A_sequenced_link_accepts_an_acknowledgement_request_beside_a_frame_type_own_flags()
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(0, FrameType.Request, FrameFlags.Stream | FrameFlags.AckRequested, 7, 40) { Sequence = 3 }.Write(header);
        var input = new ReadOnlySequence<byte>(header);
        SequencePosition consumed = input.Start, examined = input.End;

        Assert.Equal(FrameParseStatus.Complete, FrameParser.TryRead(input, 1024, sequenced: true, ref consumed, ref examined, out FrameHeader read, out _));
        Assert.Equal(FrameFlags.Stream | FrameFlags.AckRequested, read.Flags);
        Assert.Equal(3, read.Sequence);
    }

    [Fact]
    public void Hello_payload_rejects_wrong_magic_and_out_of_range_frame_sizes()
    {
        byte[] bytes = new byte[HelloPayload.Size];
        new HelloPayload(64 * 1024).Write(bytes);
        Assert.True(HelloPayload.TryRead(bytes, out HelloPayload hello));
        Assert.Equal(64 * 1024, hello.MaxFrameSize);

        new HelloPayload(100).Write(bytes);
        Assert.False(HelloPayload.TryRead(bytes, out _));
        new HelloPayload(64 * 1024).Write(bytes);
        bytes[0] ^= 0xFF;
        Assert.False(HelloPayload.TryRead(bytes, out _));
        Assert.False(HelloPayload.TryRead(bytes.AsSpan(0, 7), out _));
    }

    private static byte[] Frame(FrameType type, uint callId, int messageId, byte[] payload)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(payload.Length, type, FrameFlags.None, callId, messageId).Write(frame);
        payload.CopyTo(frame, FrameHeader.Size);
        return frame;
    }
}
