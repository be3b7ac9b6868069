using System.Buffers;
using System.Collections.Concurrent;
using Tether.Quic.Interop;

namespace Tether.Quic.Connections;

/// <summary>
/// Sending: streams with something to send (flushed by the application, acknowledged by the peer, given credit) queue
/// up, and one send pass per connection at a time turns them into packets. Application flushes only queue the stream
/// and schedule a pass on the thread pool, so streams flushed together (many calls at once) share packets and the
/// flushing threads never wait for the connection's lock.
/// </summary>
internal sealed unsafe partial class QuicConnection : IThreadPoolWorkItem
{
    // Packets written per pass before the lock is let go: bounds how long one connection holds it.
    private const int MaxBurst = 64;
    private const int MaxVectors = 16;

    private readonly int _maxSegments;
    private readonly ConcurrentQueue<QuicStream> _flushed = new();
    private readonly Queue<QuicStream> _sendQueue = new();
    private int _sendScheduled;

    /// <summary>A stream's application flushed it (any thread): queue it and make sure a send pass comes.</summary>
    /// <remarks>A flush made in the connection's turn (a handler answering a call that just arrived) needs none: the
    /// turn ends with a send pass, which takes every reply of the batch at once.</remarks>
    internal void OnFlushed(QuicStream stream)
    {
        _flushed.Enqueue(stream);
        if (!_turn.IsRunningHere)
        {
            ScheduleSend();
        }
    }

    /// <summary>Queues <paramref name="stream"/> for the next send pass (under the lock).</summary>
    internal void QueueLocked(QuicStream stream)
    {
        if (!stream.Queued)
        {
            stream.Queued = true;
            _sendQueue.Enqueue(stream);
        }
    }

    private void ScheduleSend()
    {
        if (Interlocked.Exchange(ref _sendScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>The scheduled send pass.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        lock (_lock)
        {
            Volatile.Write(ref _sendScheduled, 0); // a flush from now on schedules another pass
            WriteLocked();
            ArmTimerLocked();
        }
    }

    private void TakeFlushedLocked()
    {
        while (_flushed.TryDequeue(out QuicStream? stream))
        {
            stream.ClearFlushQueued();
            QueueLocked(stream);
        }
    }

    /// <summary>Ends <paramref name="stream"/>'s turn and takes it off the queue (it is the queue's head).</summary>
    private void EndTurnLocked(QuicStream stream, bool park)
    {
        stream.EndOffer();
        _sendQueue.Dequeue();
        stream.Queued = false;
        if (park)
        {
            ParkLocked(stream);
        }
    }

    /// <summary>
    /// The send pass: writes packets until ngtcp2 has nothing more to send, congestion control says stop, or
    /// <see cref="MaxBurst"/> packets went out (then another pass is scheduled, so one connection does not hold the
    /// lock for long). Every queued stream gets a turn in order; their data is packed into shared packets
    /// (<c>WRITE_STREAM_FLAG_MORE</c>), a stream's FIN rides with its last bytes, and acknowledgements, flow-control
    /// updates and retransmissions fill the rest. Packets collect in a batch that leaves in one system call (GSO):
    /// a run of full-sized packets, ended by a shorter one.
    /// </summary>
    private void WriteLocked()
    {
        if (_conn is null)
        {
            return;
        }

        TakeFlushedLocked();
        var batch = new PacketBatch(_transmit, _maxSegments);
        if (WritePacketsLocked(ref batch))
        {
            FlushBatchLocked(ref batch);
        }
    }

    /// <returns>False when the connection ended meanwhile (the batch is then dropped).</returns>
    private bool WritePacketsLocked(ref PacketBatch batch)
    {
        ngtcp2_path_storage storage = default;
        storage.path.local.addr = storage.local_addrbuf;
        storage.path.remote.addr = storage.remote_addrbuf;
        ngtcp2_pkt_info info = default;
        ngtcp2_vec* vectors = stackalloc ngtcp2_vec[MaxVectors];
        ulong now = QuicClock.Now;
        int packets = 0;
        QuicStream? stream = null; // the stream whose turn it is
        ReadOnlySequence<byte> unsent = default;
        bool offerFin = false;
        long accepted = 0;
        while (true)
        {
            if (stream is null && _sendQueue.TryPeek(out QuicStream? next))
            {
                if (!next.BeginOffer(out unsent, out offerFin))
                {
                    EndTurnLocked(next, park: false); // nothing to send; acknowledged bytes were returned to its pipe
                    continue;
                }

                stream = next;
                accepted = 0;
            }

            long streamId = -1;
            uint flags = Ngtcp2.WriteStreamFlagNone;
            nuint count = 0;
            long offered = 0;
            bool everything = true;
            if (stream is not null)
            {
                streamId = stream.StreamId;
                count = FillVectors(stream, unsent.Slice(accepted), stream.SentOffset, vectors, out offered, out everything);
                flags = Ngtcp2.WriteStreamFlagMore | (offerFin && everything ? Ngtcp2.WriteStreamFlagFin : 0);
            }

            nint streamBytes = -1;
            nint written = Ngtcp2.conn_writev_stream(_conn, &storage.path, Ngtcp2.PacketInfoVersion, &info, batch.Next,
                (nuint)_options.MaxUdpPayloadSize, &streamBytes, flags, streamId, vectors, count, now);
            if (stream is not null && streamBytes >= 0)
            {
                stream.OnOffered(streamBytes, fin: (flags & Ngtcp2.WriteStreamFlagFin) != 0 && streamBytes == offered);
                accepted += streamBytes;
            }

            if (written == Ngtcp2.ErrWriteMore)
            {
                // The packet has room for more. The stream took all it was offered (then its turn ends, unless more
                // bytes lie past the vectors), or flow control stopped it (then it waits for more credit).
                if (stream is not null && (streamBytes < offered || everything))
                {
                    EndTurnLocked(stream, park: streamBytes < offered);
                    stream = null;
                }

                continue;
            }

            if (written < 0)
            {
                if (stream is not null && written is Ngtcp2.ErrStreamDataBlocked or Ngtcp2.ErrStreamShutWrite or Ngtcp2.ErrStreamNotFound)
                {
                    // This stream cannot send now (flow control) or ever (reset, closed); the packet goes on without it.
                    EndTurnLocked(stream, park: written == Ngtcp2.ErrStreamDataBlocked);
                    stream = null;
                    continue;
                }

                CloseLocked(QuicErrors.FromLibrary((int)written, "writing packets"), (int)written);
                return false;
            }

            if (written == 0)
            {
                // Congestion control or pacing (the timer and the next acknowledgements bring another pass), or nothing left.
                stream?.EndOffer(); // stays queued
                break;
            }

            packets++;
            _bytesSent += written;
            if (!AddToBatchLocked(ref batch, (int)written))
            {
                return false;
            }

            // Done only when everything it offered went out: a full packet of other frames (handshake, acknowledgements)
            // may have carried none of it (streamBytes -1), and a new stream's announcement is an empty frame.
            if (stream is not null && accepted == unsent.Length && (!offerFin || stream.FinSent) && stream.Announced)
            {
                EndTurnLocked(stream, park: false);
                stream = null;
            }

            if (packets == MaxBurst)
            {
                stream?.EndOffer(); // stays queued for the next pass
                ScheduleSend();
                break;
            }
        }

        Ngtcp2.conn_update_pkt_tx_time(_conn, now);
        return true;
    }

    /// <summary>Takes the packet just written at <see cref="PacketBatch.Next"/> into the batch, sending the batch when it cannot grow.</summary>
    /// <returns>False when the connection ended (a packet can never be sent).</returns>
    private bool AddToBatchLocked(ref PacketBatch batch, int length)
    {
        if (batch.Count > 0 && length > batch.SegmentSize)
        {
            // Larger than the batch's packets: those leave first, and this one starts the next batch.
            byte* packet = batch.Next;
            int pending = batch.Length;
            batch.Length = 0;
            if (!SendLocked(batch.Start, pending, batch.SegmentSize))
            {
                return false;
            }

            Buffer.MemoryCopy(packet, batch.Start, length, length);
            batch.Count = 0;
        }

        if (batch.Count == 0)
        {
            batch.SegmentSize = length;
        }

        batch.Length += length;
        batch.Count++;
        // A shorter packet can only end a batch (every GSO segment but the last has the same size).
        return length < batch.SegmentSize || batch.Count == batch.Capacity ? FlushBatchLocked(ref batch) : true;
    }

    /// <summary>Sends the packets collected in <paramref name="batch"/>.</summary>
    /// <returns>False when the connection ended (a packet can never be sent).</returns>
    private bool FlushBatchLocked(ref PacketBatch batch)
    {
        if (batch.Count == 0)
        {
            return true;
        }

        int length = batch.Length;
        batch.Length = 0;
        batch.Count = 0;
        return SendLocked(batch.Start, length, batch.SegmentSize);
    }

    private bool SendLocked(byte* packets, int length, int segmentSize)
    {
        if (_endpoint.Send(packets, length, segmentSize, _remoteAddress))
        {
            return true;
        }

        // Retransmitting cannot help: every packet this size would be refused again.
        TerminateLocked(new TetherException(TetherErrorCode.ConnectionClosed,
            $"A {segmentSize}-byte UDP datagram is larger than the path to {RemoteEndPoint} allows; lower {nameof(QuicTransportOptions.MaxUdpPayloadSize)}."));
        return false;
    }

    /// <summary>Packets written but not yet sent: <see cref="Count"/> of them from <see cref="Start"/>, all <see cref="SegmentSize"/> bytes but the last.</summary>
    private struct PacketBatch(byte* start, int capacity)
    {
        public readonly byte* Start = start;
        public readonly int Capacity = capacity;
        public int Length;
        public int Count;
        public int SegmentSize;

        /// <summary>Where the next packet is written.</summary>
        public readonly byte* Next => Start + Length;
    }

    /// <summary>Points <paramref name="vectors"/> at the start of <paramref name="data"/>, pinning each block on first use.</summary>
    private static nuint FillVectors(QuicStream stream, in ReadOnlySequence<byte> data, long dataOffset, ngtcp2_vec* vectors, out long offered, out bool everything)
    {
        nuint count = 0;
        offered = 0;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            if (count == MaxVectors)
            {
                break;
            }

            if (segment.IsEmpty)
            {
                continue;
            }

            vectors[count].@base = stream.PinUntilAcknowledged(segment, dataOffset + offered);
            vectors[count].len = (nuint)segment.Length;
            offered += segment.Length;
            count++;
        }

        everything = offered == data.Length;
        return count;
    }
}
