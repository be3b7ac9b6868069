using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Sessions.Durable;

/// <summary>
/// One session as the journal's records rebuild it after a restart: its ticket and contract, the frames the server
/// sent that the client never acknowledged, and how far its incoming frames were handled. Every change is absolute or
/// a maximum, so a snapshot and the log replayed over it give the same result in any overlap.
/// </summary>
internal sealed class RecoveredSession(JournaledTicket ticket)
{
    public JournaledTicket Ticket { get; set; } = ticket;

    /// <summary>Frames sent and not acknowledged, by number.</summary>
    public SortedDictionary<ulong, byte[]> Frames => _frames ??= [];

    // Most recovered sessions have nothing in flight: their collections are made only when a record needs them.
    private SortedDictionary<ulong, byte[]>? _frames;
    private HashSet<ulong>? _completed;
    private Dictionary<ulong, uint>? _streams;

    /// <summary>The number the next sequenced frame the server sends gets.</summary>
    public ulong NextSequence { get; private set; } = 1;

    /// <summary>The client acknowledged every frame up to here.</summary>
    public ulong Acknowledged { get; private set; }

    /// <summary>Every incoming frame up to here was handled.</summary>
    public ulong Watermark { get; private set; }

    /// <summary>Incoming frames above the watermark that were handled (a call answered, a message's handler completed): not run again when the client replays them.</summary>
    public HashSet<ulong> Completed => _completed ??= [];

    /// <summary>Incoming stream calls that started and had not ended, by request number, with their call ids: a restarted server ends them with an error rather than running them again.</summary>
    public Dictionary<ulong, uint> StreamsStarted => _streams ??= [];

    /// <summary>Sent frames, and the incoming frame they answer (0: none); a final answer (reply, end, error) completes it.</summary>
    public void AddFrame(ulong sequence, byte[] frame, ulong answers)
    {
        NextSequence = Math.Max(NextSequence, sequence + 1);
        if (sequence > Acknowledged)
        {
            Frames[sequence] = frame;
        }

        if (answers != 0)
        {
            var type = (FrameType)frame[FrameHeader.TypeOffset];
            if (type is FrameType.Response or FrameType.End or FrameType.Error)
            {
                _streams?.Remove(answers);
                if (answers > Watermark)
                {
                    Completed.Add(answers);
                }
            }
            else if (type == FrameType.StreamItem && _completed?.Contains(answers) != true)
            {
                StreamsStarted[answers] = BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(FrameHeader.CallIdOffset));
            }
        }
    }

    public void Complete(ulong incoming)
    {
        if (incoming > Watermark)
        {
            Completed.Add(incoming);
        }
    }

    public void StreamStarted(ulong incoming, uint callId)
    {
        if (_completed?.Contains(incoming) != true)
        {
            StreamsStarted[incoming] = callId;
        }
    }

    public void Acknowledge(ulong sequence)
    {
        Acknowledged = Math.Max(Acknowledged, sequence);
        NextSequence = Math.Max(NextSequence, Acknowledged + 1);
        while (_frames is { Count: > 0 } frames && frames.First().Key <= Acknowledged)
        {
            frames.Remove(frames.First().Key);
        }
    }

    public void SetWatermark(ulong watermark)
    {
        Watermark = Math.Max(Watermark, watermark);
        _completed?.RemoveWhere(s => s <= Watermark); // a stream is not held back by the watermark: it stays until its end
    }

    /// <summary>Frames in a frames or completed record: [u64 sequence][u32 length][frame] each.</summary>
    public void AddFrames(ReadOnlySpan<byte> frames, ulong answers)
    {
        while (frames.Length >= 12)
        {
            ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(frames);
            int length = BinaryPrimitives.ReadInt32LittleEndian(frames[8..]);
            AddFrame(sequence, frames.Slice(12, length).ToArray(), answers);
            frames = frames[(12 + length)..];
        }
    }
}
