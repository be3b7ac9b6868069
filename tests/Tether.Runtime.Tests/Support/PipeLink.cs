using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Runtime.Tests.Support;

/// <summary>A link over in-memory pipes: what the code under test writes can be read back from <see cref="Sent"/>, and <see cref="Incoming"/> feeds its input.</summary>
internal sealed class PipeLink : TransportConnection
{
    private readonly Pipe _out = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _in = new(new PipeOptions(useSynchronizationContext: false));

    public override PipeReader Input => _in.Reader;

    public override PipeWriter Output => _out.Writer;

    /// <summary>What was written to the link.</summary>
    public PipeReader Sent => _out.Reader;

    /// <summary>Where a test writes what the link receives.</summary>
    public PipeWriter Incoming => _in.Writer;

    public override string TransportName => "pipe";

    public override EndPoint? LocalEndPoint => null;

    public override EndPoint? RemoteEndPoint => null;

    public override long BytesSent => 0;

    public override long BytesReceived => 0;

    public override CancellationToken ConnectionClosed => CancellationToken.None;

    public override void Abort(Exception? reason = null)
    {
    }

    /// <summary>As the real transports do: what was written still reaches the reader, then its output ends.</summary>
    public override ValueTask DisposeAsync()
    {
        _out.Writer.Complete();
        _in.Reader.Complete();
        return default;
    }

    /// <summary>Reads the frames written so far (waiting for at least <paramref name="count"/>), as header and payload.</summary>
    public async Task<List<(FrameHeader Header, byte[] Payload)>> ReadFramesAsync(int count, bool sequenced = false)
    {
        var frames = new List<(FrameHeader, byte[])>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // only catches a hang
        while (frames.Count < count)
        {
            ReadResult result = await Sent.ReadAsync(timeout.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start, examined = buffer.End;
            while (FrameParser.TryRead(buffer.Slice(consumed), 1 << 20, sequenced, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload) == FrameParseStatus.Complete)
            {
                frames.Add((header, payload.ToArray()));
            }

            long left = buffer.Slice(consumed).Length;
            Sent.AdvanceTo(consumed, examined);
            if (result.IsCompleted && frames.Count < count)
            {
                throw new InvalidOperationException($"The link's output completed after {frames.Count} of {count} frames ({left} bytes left).");
            }
        }

        return frames;
    }

    /// <summary>Encodes a frame as the wire carries it.</summary>
    public static byte[] Frame(FrameType type, uint callId, int messageId, ReadOnlySpan<byte> payload, FrameFlags flags = FrameFlags.None)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(payload.Length, type, flags, callId, messageId).Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }
}
