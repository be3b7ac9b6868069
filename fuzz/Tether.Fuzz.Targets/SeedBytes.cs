using System.Buffers;
using Tether.Framing;
using Tether.Sessions;

namespace Tether.Fuzz;

/// <summary>Builds the seed inputs with the runtime's own encoders, so the corpus starts from what real peers send.</summary>
internal static class SeedBytes
{
    /// <summary>The wire id of <see cref="IFuzzService.Call"/>.</summary>
    public static int CallMethodId => Method(nameof(IFuzzService.Call));

    /// <summary>The wire id of <see cref="IFuzzService.Stream"/>.</summary>
    public static int StreamMethodId => Method(nameof(IFuzzService.Stream));

    /// <summary>The wire id of <see cref="IFuzzService.Note"/>.</summary>
    public static int NoteMethodId => Method(nameof(IFuzzService.Note));

    /// <summary>The wire id of <see cref="IFuzzService.Upload"/>.</summary>
    public static int UploadMethodId => Method(nameof(IFuzzService.Upload));

    /// <summary>The wire id of <see cref="IFuzzService.Chat"/>.</summary>
    public static int ChatMethodId => Method(nameof(IFuzzService.Chat));

    private static int Method(string name) => IFuzzService.Descriptor.Methods.Single(m => m.Name == name).Id;

    /// <summary>A frame: header, then the call headers block when given, then the body.</summary>
    public static byte[] Frame(FrameType type, uint callId, int messageId, ReadOnlySpan<byte> body, FrameFlags flags = FrameFlags.None, byte[]? headers = null, ushort sequence = 0)
    {
        int headersLength = headers?.Length ?? 0;
        byte[] frame = new byte[FrameHeader.Size + headersLength + body.Length];
        new FrameHeader(headersLength + body.Length, type, flags, callId, messageId) { Sequence = sequence }.Write(frame);
        headers?.CopyTo(frame, FrameHeader.Size);
        body.CopyTo(frame.AsSpan(FrameHeader.Size + headersLength));
        return frame;
    }

    /// <summary>A client hello payload (version 2 negotiation block), asking for a resumable session, or resuming a session nobody has.</summary>
    public static byte[] ClientHello(bool resume, bool wantsResume = true)
    {
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory", "tcp"], [new CapabilityRequest("Fuzz", 1, Required: false)], [], wantsResume);
        ResumeRequest? request = resume ? new ResumeRequest(new Guid("6f1c1d0e-0b7e-4c55-9b1a-3e0f6b1f2a11"), new byte[ProtocolConstants.ResumeTokenSize], 3, 1) : null;
        return new Sessions.ClientHello(4 * 1024 * 1024, offer, request, resume ? null : Security.TetherCredentials.Bearer("fuzz-token")).Encode();
    }

    /// <summary>A call headers block with a deadline, two metadata entries (text and binary), a traceparent and a tracestate.</summary>
    public static byte[] HeadersBlock()
    {
        var metadata = new CallMetadata();
        metadata.Add("tenant", "acme");
        metadata.Add("blob-bin", new byte[] { 1, 2, 3 });
        var headers = new OutgoingCallHeaders
        {
            DeadlineMicros = 250_000,
            Metadata = metadata,
            TraceParent = new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 1 },
            TraceState = "vendor=1",
            Priority = -1,
        };
        int block = CallHeaderCodec.GetBlockSize(headers);
        byte[] bytes = new byte[CallHeaderCodec.GetPrefixedSize(block)];
        int written = CallHeaderCodec.Write(bytes, headers, block);
        return bytes.AsSpan(0, written).ToArray();
    }

    /// <summary>Credentials as a hello or a refresh carries them.</summary>
    public static byte[] Credentials()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new Serialization.TetherWriter(buffer);
        HelloCodec.WriteCredentials(ref writer, Security.TetherCredentials.Bearer("fuzz-token"));
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Sample values for the seeds.</summary>
public static class Samples
{
    /// <summary>An <see cref="Everything"/> with every member set.</summary>
    public static Everything Rich { get; } = new(
        new Scalars(true, 1, -1, -300, 300, -70000, 70000, long.MinValue, ulong.MaxValue, -5, 5, 'ü', 1.5f, -2.25, (Half)0.5, 12.34m,
            Int128.MinValue, UInt128.MaxValue, new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc),
            new DateTimeOffset(2026, 12, 3, 1, 2, 3, TimeSpan.FromHours(2)), TimeSpan.FromSeconds(90), Side.Sell, Marks.A | Marks.B, Wide.Large),
        default(Scalars),
        7,
        Guid.Empty,
        Side.Buy,
        "text ✓",
        [1, 2, 3],
        new byte[] { 9, 8 },
        [1, -1, int.MaxValue],
        ["a", null, ""],
        [0.5, double.NaN],
        new() { ["k"] = 1, ["l"] = -2 },
        new() { [4] = new Node { Value = 4 } },
        [new Node { Value = 1, Child = new Node { Value = 2 } }, null!],
        [default, new Scalars { Int32 = 5 }],
        new Node { Value = 10, Child = new Node { Value = 11, Child = new Node { Value = 12 } } },
        [[1, 2], null, []],
        [null, 3],
        new() { [new Guid("5b5a6c4e-3a8b-4c1e-8f33-9a0f0f0f0f0f")] = ["g", "h"] },
        [true, false, true],
        [long.MaxValue, 0]);
}

/// <summary>Splits inputs into multi-segment sequences, as a pipe delivers data that arrived in pieces.</summary>
public static class Segments
{
    /// <summary>
    /// <paramref name="bytes"/> as a sequence of two segments split at <paramref name="at"/> (one when it is an end),
    /// each ending at an unreadable page (<see cref="GuardedInput"/>): a read past a segment's end faults.
    /// </summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        at = Math.Clamp(at, 0, bytes.Length);
        if (at == 0 || at == bytes.Length)
        {
            return new ReadOnlySequence<byte>(GuardedInput.Segment(0, bytes));
        }

        var first = new Segment(GuardedInput.Segment(0, bytes.AsSpan(0, at)), 0);
        Segment last = first.Append(GuardedInput.Segment(1, bytes.AsSpan(at)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
