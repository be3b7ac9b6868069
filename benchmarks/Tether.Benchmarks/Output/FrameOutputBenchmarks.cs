using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using BenchmarkDotNet.Attributes;
using Tether.Connections;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Benchmarks.Output;

[Message(3)]
public partial record struct Tick(long Sequence, double Price);

/// <summary>
/// What sequencing (resumable sessions) costs a sender per frame, isolated from the network: one-way messages
/// written in batches through <see cref="FrameOutput"/> into a pipe that is drained after each batch, with and
/// without a replay buffer (acknowledged after each batch, as a peer would). One operation = one frame.
/// </summary>
[MemoryDiagnoser]
public class FrameOutputBenchmarks
{
    private const int FramesPerBatch = 1_000;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private FrameOutput _output = null!;
    private ulong _sent;

    [Params(false, true)]
    public bool Sequenced { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _output = new FrameOutput(new PipeLink(_pipe), peerMaxFrameSize: 1 << 20, sendQueueLimit: long.MaxValue);
        if (Sequenced)
        {
            _output.EnableSequencing(TieredMemoryPool.Default, 8 << 20, 262_144);
        }
    }

    [Benchmark(OperationsPerInvoke = FramesPerBatch)]
    public void WriteOneWay()
    {
        _output.BeginBatch();
        var tick = new Tick(0, 101.25);
        for (int i = 0; i < FramesPerBatch; i++)
        {
            _output.WriteMessage(FrameType.Message, FrameFlags.None, 0, 1, in tick);
        }

        _output.EndBatch();
        _sent += FramesPerBatch;
        if (Sequenced)
        {
            _output.Acknowledge(_sent);
        }

        // Drain what the batch flushed (the pipe completes flushes synchronously without a pause threshold).
        if (_pipe.Reader.TryRead(out ReadResult result))
        {
            _pipe.Reader.AdvanceTo(result.Buffer.End);
        }
    }

    /// <summary>A transport that is only a pipe: the benchmark reads what the output writes.</summary>
    private sealed class PipeLink(Pipe pipe) : TransportConnection
    {
        public override PipeReader Input => throw new NotSupportedException();

        public override PipeWriter Output => pipe.Writer;

        public override string TransportName => "bench";

        public override EndPoint? LocalEndPoint => null;

        public override EndPoint? RemoteEndPoint => null;

        public override long BytesSent => 0;

        public override long BytesReceived => 0;

        public override CancellationToken ConnectionClosed => CancellationToken.None;

        public override void Abort(Exception? reason = null)
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
