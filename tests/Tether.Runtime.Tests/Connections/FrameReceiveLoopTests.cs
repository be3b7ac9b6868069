using System.Buffers;
using System.IO.Pipelines;
using Tether.Connections;
using Tether.Framing;
using Tether.Runtime.Tests.Support;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The one receive loop of links and call streams, against a receiver that records what it was told.</summary>
public sealed class FrameReceiveLoopTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30); // only catches a hang

    private readonly Pipe _input = new(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: 0));
    private readonly Recorder _recorder = new();

    [Fact]
    public async Task Frames_split_across_reads_are_handled_whole_and_each_read_ends_a_batch()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        byte[] first = PipeLink.Frame(FrameType.Message, 0, 1, [1, 2, 3]);
        await _input.Writer.WriteAsync(first.AsMemory(0, 10));
        await _recorder.WaitForBatchesAsync(1);
        Assert.Empty(_recorder.Frames);
        Assert.True(_recorder.PartialPending); // a frame has started: the frame timeout runs

        await _input.Writer.WriteAsync(first.AsMemory(10));
        await _input.Writer.WriteAsync(PipeLink.Frame(FrameType.Message, 0, 2, [4]));
        await _input.Writer.CompleteAsync();

        Assert.Equal(ReceiveEnd.Completed, await loop.WaitAsync(Hang));
        Assert.Equal([1, 2], _recorder.Frames.Select(f => f.MessageId));
        Assert.Equal([1, 2, 3], _recorder.Payloads[0]);
        Assert.False(_recorder.PartialPending);
    }

    [Fact]
    public async Task The_receiver_hears_how_the_loop_ended_so_that_nobody_needs_to_await_it()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        await _input.Writer.WriteAsync(PipeLink.Frame(FrameType.Message, 0, 1, [1]));
        await _input.Writer.WriteAsync(PipeLink.Frame(FrameType.Message, 0, 2, [2]).AsMemory(0, 9)); // half a frame, then the end
        await _input.Writer.CompleteAsync();

        Assert.Equal(ReceiveEnd.CompletedMidFrame, await loop.WaitAsync(Hang));
        Assert.Equal(ReceiveEnd.CompletedMidFrame, _recorder.Ended);
        Assert.Null(_recorder.Failure);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_failure_goes_to_the_receiver_which_takes_it_over_or_lets_the_loop_fault(bool takesFailures)
    {
        _recorder.ThrowAt = 2;
        _recorder.TakesFailures = takesFailures;
        byte[] frames = [.. PipeLink.Frame(FrameType.Message, 0, 1, [1]), .. PipeLink.Frame(FrameType.Message, 0, 2, [2])];
        await _input.Writer.WriteAsync(frames);

        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        if (takesFailures)
        {
            Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
        }
        else
        {
            Assert.Same(_recorder.Failure, await Assert.ThrowsAsync<InvalidOperationException>(() => loop.WaitAsync(Hang)));
        }

        Assert.IsType<InvalidOperationException>(_recorder.Failure);
        Assert.Null(_recorder.Ended);
        Assert.Equal(["start", "frame 1", "frame 2", "end", "flushed", "failed"], _recorder.Events); // the batch ended and flushed first
    }

    [Fact]
    public async Task A_batch_is_announced_before_its_frames_and_ended_after_them_also_when_a_frame_stops_the_loop()
    {
        _recorder.RefuseAt = 3;
        byte[] frames = [.. PipeLink.Frame(FrameType.Message, 0, 1, [1]), .. PipeLink.Frame(FrameType.Message, 0, 2, [2]), .. PipeLink.Frame(FrameType.Message, 0, 3, [3])];
        await _input.Writer.WriteAsync(frames);

        Assert.Equal(ReceiveEnd.Stopped, await FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder)).WaitAsync(Hang));

        Assert.Equal(["start", "frame 1", "frame 2", "frame 3", "end", "flushed"], _recorder.Events);
    }

    [Fact]
    public async Task A_compressed_frame_reaches_the_receiver_inflated_and_a_damaged_one_stops_the_loop()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        byte[] body = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("compress me; ", 200)));
        var compression = new Tether.Compression.FrameCompression(CompressionAlgorithm.Lz4, 1, System.IO.Compression.CompressionLevel.Fastest);
        byte[] packed = new byte[compression.MaxPayloadSize(body.Length)];
        int length = compression.Compress(body, packed);
        byte[] frame = PipeLink.Frame(FrameType.Message, 0, 1, packed.AsSpan(0, length), FrameFlags.Compressed);

        await _input.Writer.WriteAsync(frame);
        await _recorder.WaitForBatchesAsync(1);
        Assert.Equal(body, _recorder.Payloads[0]);
        Assert.Equal(FrameFlags.None, _recorder.Frames[0].Flags); // the receiver sees the frame as it was before compression
        Assert.Equal(body.Length, _recorder.Frames[0].PayloadLength);

        byte[] damaged = PipeLink.Frame(FrameType.Message, 0, 2, [(byte)CompressionAlgorithm.Lz4, 100, 0xFF, 0xFF], FrameFlags.Compressed);
        await _input.Writer.WriteAsync(damaged);
        Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.DecompressionFailed, _recorder.InvalidPayload);
        Assert.Single(_recorder.Frames);
    }

    [Fact]
    public async Task A_pending_wait_pauses_reading_until_it_completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _recorder.WaitOn = 1;
        _recorder.Wait = gate.Task;
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));

        await _input.Writer.WriteAsync(Concat(PipeLink.Frame(FrameType.Message, 0, 1, []), PipeLink.Frame(FrameType.Message, 0, 2, [])));
        await _recorder.WaitForBatchesAsync(1);
        Assert.Equal([1], _recorder.Frames.Select(f => f.MessageId)); // the second frame waits behind the first's wait

        gate.SetResult();
        await _input.Writer.CompleteAsync();
        Assert.Equal(ReceiveEnd.Completed, await loop.WaitAsync(Hang));
        Assert.Equal([1, 2], _recorder.Frames.Select(f => f.MessageId));
    }

    [Fact]
    public async Task An_invalid_header_is_reported_and_stops_the_loop()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder) { MaxFrameSize = 8 });
        await _input.Writer.WriteAsync(PipeLink.Frame(FrameType.Message, 0, 1, new byte[9]));

        Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
        Assert.Equal(FrameParseStatus.FrameTooLarge, _recorder.Invalid);
        Assert.Empty(_recorder.Frames);

        (TetherErrorCode code, string detail) = FrameReceiveLoop.DescribeInvalidHeader(FrameParseStatus.FrameTooLarge, new FrameHeader(9, FrameType.Message, FrameFlags.None, 0, 1), 8);
        Assert.Equal(TetherErrorCode.FrameTooLarge, code);
        Assert.Contains("the limit is 8", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_refusing_a_frame_stops_the_loop_before_the_next()
    {
        _recorder.RefuseAt = 1;
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        await _input.Writer.WriteAsync(Concat(PipeLink.Frame(FrameType.Message, 0, 1, []), PipeLink.Frame(FrameType.Message, 0, 2, [])));

        Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
        Assert.Equal([1], _recorder.Frames.Select(f => f.MessageId));
    }

    [Fact]
    public async Task The_peer_ending_in_the_middle_of_a_frame_is_told_apart()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        await _input.Writer.WriteAsync(PipeLink.Frame(FrameType.Message, 0, 1, [1, 2, 3]).AsMemory(0, 18));
        await _input.Writer.CompleteAsync();

        Assert.Equal(ReceiveEnd.CompletedMidFrame, await loop.WaitAsync(Hang));
    }

    [Fact]
    public async Task A_receiver_holding_the_input_stops_after_its_frame_and_leaves_the_rest_unread()
    {
        _recorder.HoldAt = 1;
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        byte[] next = PipeLink.Frame(FrameType.Message, 0, 2, [7]);
        await _input.Writer.WriteAsync(Concat(PipeLink.Frame(FrameType.Message, 0, 1, []), next));

        Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
        ReadResult rest = await _input.Reader.ReadAsync();
        Assert.Equal(next, rest.Buffer.ToArray()); // the session taking the input over reads on from here
    }

    [Fact]
    public async Task A_stop_request_ends_a_loop_waiting_to_read()
    {
        Task<ReceiveEnd> loop = FrameReceiveLoop.RunAsync(_input.Reader, new RecordingReceiver(_recorder));
        _recorder.Stop = true;
        _input.Reader.CancelPendingRead();

        Assert.Equal(ReceiveEnd.Stopped, await loop.WaitAsync(Hang));
    }

    private static byte[] Concat(params byte[][] frames) => [.. frames.SelectMany(f => f)];

    private sealed class Recorder
    {
        private readonly Lock _lock = new();
        private readonly List<TaskCompletionSource> _batchWaiters = [];
        private int _batches;

        public List<FrameHeader> Frames { get; } = [];

        public List<byte[]> Payloads { get; } = [];

        public FrameOutput Output { get; } = new(new PipeLink(), 1 << 20, 1 << 20, PipeScheduler.Inline);

        public bool Stop { get; set; }

        /// <summary>Batch starts and ends and the frames between them, in order (written by the loop only).</summary>
        public List<string> Events { get; } = [];

        public bool PartialPending { get; set; }

        public FrameParseStatus? Invalid { get; set; }

        public TetherErrorCode? InvalidPayload { get; set; }

        public int WaitOn { get; set; } = -1;

        public Task Wait { get; set; } = Task.CompletedTask;

        public int RefuseAt { get; set; } = -1;

        public int HoldAt { get; set; } = -1;

        public bool Holding { get; set; }

        public int ThrowAt { get; set; } = -1;

        public ReceiveEnd? Ended { get; set; }

        public Exception? Failure { get; set; }

        public bool TakesFailures { get; set; }

        public void BatchHandled()
        {
            lock (_lock)
            {
                _batches++;
                foreach (TaskCompletionSource waiter in _batchWaiters)
                {
                    waiter.TrySetResult();
                }

                _batchWaiters.Clear();
            }
        }

        public async Task WaitForBatchesAsync(int count)
        {
            while (true)
            {
                TaskCompletionSource waiter;
                lock (_lock)
                {
                    if (_batches >= count)
                    {
                        return;
                    }

                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _batchWaiters.Add(waiter);
                }

                await waiter.Task.WaitAsync(Hang);
            }
        }
    }

    private readonly struct RecordingReceiver(Recorder recorder) : IFrameReceiver
    {
        public FrameOutput Output => recorder.Output;

        public bool StopRequested => recorder.Stop;

        public CancellationToken StopToken => CancellationToken.None;

        public bool Sequenced => false;

        public int MaxFrameSize { get; init; } = 1 << 20;

        public bool HoldsInput => recorder.Holding;

        public bool WaitsForOutput => false;

        public bool OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload, out ValueTask wait)
        {
            recorder.Frames.Add(header);
            recorder.Events.Add("frame " + header.MessageId);
            recorder.Payloads.Add(payload.ToArray());
            wait = header.MessageId == recorder.WaitOn ? new ValueTask(recorder.Wait) : default;
            recorder.Holding |= header.MessageId == recorder.HoldAt;
            if (header.MessageId == recorder.ThrowAt)
            {
                throw new InvalidOperationException("The receiver failed.");
            }

            return header.MessageId != recorder.RefuseAt;
        }

        public void OnInvalidHeader(FrameParseStatus status, in FrameHeader header) => recorder.Invalid = status;

        public void OnInvalidPayload(TetherErrorCode code, string detail)
        {
            recorder.InvalidPayload = code;
            recorder.Stop = true; // as a session does: the protocol error stops the link
        }

        public void OnPartialFrame(bool pending) => recorder.PartialPending = pending;

        public void OnBatchHandled() => recorder.BatchHandled();

        public void OnBatchStarting() => recorder.Events.Add("start");

        public void OnBatchEnded() => recorder.Events.Add("end");

        public void OnBatchFlushed() => recorder.Events.Add("flushed");

        public void OnLoopEnded(ReceiveEnd end) => recorder.Ended = end;

        public bool OnLoopFailed(Exception error)
        {
            recorder.Failure = error;
            recorder.Events.Add("failed");
            return recorder.TakesFailures;
        }
    }
}
