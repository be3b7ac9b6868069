using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Tether.Benchmarks.Network.Servers;

namespace Tether.Benchmarks.Network.Targets;

/// <summary>
/// The ceiling: "callers" becomes a window of requests in flight on one socket (the server answers in order), with
/// writes batched up to the window. No correlation table, no dispatch, no per-call object: nothing a framework
/// could do less of.
/// </summary>
public sealed class RawTarget : Target
{
    private static readonly byte[] s_payload = TetherCodec.ToArray(Order.Sample);
    private Socket? _socket;
    private PipeReader? _reader;
    private PipeWriter? _writer;

    public override string ServerFramework => "raw";

    public override async Task ConnectAsync(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var stream = new NetworkStream(_socket, ownsSocket: true);
        _reader = PipeReader.Create(stream);
        _writer = PipeWriter.Create(stream);
    }

    public override async Task UnaryAsync(int callers, int calls, long[]? latencies = null)
    {
        long[] sentAt = new long[callers];
        int received = 0;
        using var window = new SemaphoreSlim(callers); // one slot per request in flight

        Task receiving = Task.Run(async () =>
        {
            int frameLength = 4 + s_payload.Length;
            while (received < calls)
            {
                ReadResult result = await _reader!.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                int frames = 0;
                while (buffer.Length >= frameLength)
                {
                    if (latencies is not null)
                    {
                        latencies[received + frames] = Stopwatch.GetTimestamp() - sentAt[(received + frames) % callers];
                    }

                    buffer = buffer.Slice(frameLength);
                    frames++;
                }

                _reader.AdvanceTo(buffer.Start, result.Buffer.End);
                received += frames;
                if (frames > 0)
                {
                    window.Release(frames);
                }
            }
        });

        for (int sent = 0; sent < calls;)
        {
            // Wait for one free slot, then take every other free one without waiting: one batched write.
            await window.WaitAsync().ConfigureAwait(false);
            int batch = 1;
            while (sent + batch < calls && window.Wait(0))
            {
                batch++;
            }

            for (int i = 0; i < batch; i++)
            {
                Span<byte> frame = _writer!.GetSpan(4 + s_payload.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)s_payload.Length);
                s_payload.CopyTo(frame.Slice(4));
                _writer.Advance(4 + s_payload.Length);
                sentAt[(sent + i) % callers] = Stopwatch.GetTimestamp();
            }

            sent += batch;
            await _writer!.FlushAsync().ConfigureAwait(false);
        }

        await receiving.ConfigureAwait(false);
    }

    public override async Task<long> OneWayAsync(int messages)
    {
        for (int i = 0; i < messages; i++)
        {
            Span<byte> frame = _writer!.GetSpan(4 + s_payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)s_payload.Length | RawEchoServer.OneWayBit);
            s_payload.CopyTo(frame.Slice(4));
            _writer.Advance(4 + s_payload.Length);
            if (_writer.UnflushedBytes >= 64 * 1024)
            {
                await _writer.FlushAsync().ConfigureAwait(false);
            }
        }

        Span<byte> barrier = _writer!.GetSpan(4);
        BinaryPrimitives.WriteUInt32LittleEndian(barrier, 0);
        _writer.Advance(4);
        await _writer.FlushAsync().ConfigureAwait(false);
        while (true)
        {
            ReadResult result = await _reader!.ReadAsync().ConfigureAwait(false);
            if (result.Buffer.Length >= 12)
            {
                byte[] reply = result.Buffer.Slice(0, 12).ToArray();
                _reader.AdvanceTo(result.Buffer.GetPosition(12));
                return BinaryPrimitives.ReadInt64LittleEndian(reply.AsSpan(4));
            }

            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.CompleteAsync();
        }

        if (_reader is not null)
        {
            await _reader.CompleteAsync();
        }
    }
}
