using System.Buffers;
using System.IO.Pipelines;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// Recycles a connection's stream pipes. Every call travels on a stream of its own, so without this each call cost
/// two new pipes per side (with their options, segment pools and reader/writer objects: ~2 KB per call).
/// </summary>
/// <remarks>
/// A stream hands its pair back only once all four ends are completed and ngtcp2 has closed the stream
/// (<see cref="QuicStream"/> counts the owners), so nothing can touch a pipe after it was reset for another stream.
/// </remarks>
internal sealed class QuicPipePool
{
    private readonly PipeOptions _input;
    private readonly PipeOptions _output;
    private readonly Lock _lock = new();
    private readonly Stack<StreamPipes> _free = new();
    private readonly int _capacity;

    /// <param name="pipes">Memory pool, segment size and send bound of the transport.</param>
    /// <param name="inputReaderScheduler">Where input readers wake: the connection's turn.</param>
    /// <param name="capacity">Pairs kept for reuse at most (the rest are left to the GC).</param>
    public QuicPipePool(TransportConnectionOptions pipes, PipeScheduler inputReaderScheduler, int capacity)
    {
        // Input: no pause threshold and an inline writer scheduler, so ngtcp2's data callback never waits (QUIC flow
        // control bounds what arrives); the reader wakes in the connection's turn, after the received batch.
        _input = new PipeOptions(pipes.MemoryPool, inputReaderScheduler, PipeScheduler.Inline,
            pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: pipes.MinimumSegmentSize, useSynchronizationContext: false);
        // Output: the reader side is driven by the connection's send pass, never awaited, so its scheduler is never used.
        _output = new PipeOptions(pipes.MemoryPool, PipeScheduler.Inline, PipeScheduler.ThreadPool,
            pauseWriterThreshold: pipes.SendBufferLimit, resumeWriterThreshold: pipes.SendBufferLimit / 2,
            minimumSegmentSize: pipes.MinimumSegmentSize, useSynchronizationContext: false);
        _capacity = capacity;
    }

    /// <summary>Raised after a pair came back (tests wait on it: it comes when ngtcp2 closes the stream, after acknowledgements).</summary>
    internal event Action? Returned;

    /// <summary>Pairs waiting for reuse.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>A pair of fresh (or reset) pipes.</summary>
    public StreamPipes Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out StreamPipes? pipes))
            {
                return pipes;
            }
        }

        return new StreamPipes(new Pipe(_input), new Pipe(_output));
    }

    /// <summary>Takes back a pair whose four ends are all completed.</summary>
    public void Return(StreamPipes pipes)
    {
        System.Diagnostics.Debug.Assert(pipes.Pins.Count == 0, "Every pin is released when the output ends.");
        pipes.Input.Reset();
        pipes.Output.Reset();
        lock (_lock)
        {
            if (_free.Count < _capacity)
            {
                _free.Push(pipes);
            }
        }

        Returned?.Invoke();
    }
}

/// <summary>A stream's two pipes (received bytes; bytes waiting to be sent and acknowledged) and its pins on the latter.</summary>
internal sealed class StreamPipes(Pipe input, Pipe output)
{
    public Pipe Input { get; } = input;

    public Pipe Output { get; } = output;

    /// <summary>Output blocks ngtcp2 points at, by the stream offset their data ends at (empty when handed back).</summary>
    public Queue<(long End, MemoryHandle Pin)> Pins { get; } = new();
}
