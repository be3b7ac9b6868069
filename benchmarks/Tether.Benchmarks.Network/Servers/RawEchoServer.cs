using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Tether.Benchmarks.Network.Servers;

/// <summary>
/// The ceiling: a length-prefixed echo over a raw socket that batches its writes (every complete frame of a read is
/// answered, then one flush). Frame = u32 length (high bit set: one-way, count it, no echo; 0: barrier, answer with
/// the one-way count as an 8-byte frame) + payload.
/// </summary>
public sealed class RawEchoServer : IAsyncDisposable
{
    public const uint OneWayBit = 0x8000_0000;

    private readonly Socket _listener;
    private readonly Task _accepting;

    private RawEchoServer(Socket listener)
    {
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public static Task<IAsyncDisposable> StartAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        Console.WriteLine($"PORT {((IPEndPoint)listener.LocalEndPoint!).Port}");
        Console.Out.Flush();
        return Task.FromResult<IAsyncDisposable>(new RawEchoServer(listener));
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket socket = await _listener.AcceptAsync();
                socket.NoDelay = true;
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        PipeReader reader = PipeReader.Create(stream);
        PipeWriter writer = PipeWriter.Create(stream);
        long oneWay = 0;
        byte[] prefix = new byte[4];
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool wrote = false;
                while (buffer.Length >= 4)
                {
                    buffer.Slice(0, 4).CopyTo(prefix);
                    uint header = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
                    int length = (int)(header & ~OneWayBit);
                    if (buffer.Length < 4 + length)
                    {
                        break;
                    }

                    if (header == 0)
                    {
                        Span<byte> reply = writer.GetSpan(12);
                        BinaryPrimitives.WriteUInt32LittleEndian(reply, 8);
                        BinaryPrimitives.WriteInt64LittleEndian(reply.Slice(4), oneWay);
                        writer.Advance(12);
                        wrote = true;
                    }
                    else if ((header & OneWayBit) != 0)
                    {
                        oneWay++;
                    }
                    else
                    {
                        foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, 4 + length))
                        {
                            writer.Write(segment.Span);
                        }

                        wrote = true;
                    }

                    buffer = buffer.Slice(4 + length);
                }

                reader.AdvanceTo(buffer.Start, result.Buffer.End);
                if (wrote)
                {
                    await writer.FlushAsync();
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _accepting;
    }
}
