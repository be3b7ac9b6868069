using System.Net;
using System.Net.Sockets;

namespace Tether.Runtime.Tests.Transport;

/// <summary>What the TCP transport's reader and writer tests share: a connected loopback pair and a recognisable byte pattern.</summary>
internal static class LoopbackSockets
{
    /// <summary>Only catches a hang.</summary>
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    /// <summary>A plain client socket (<paramref name="configurePeer"/> may size its buffers first) and the server side accepted from it.</summary>
    public static async Task<(Socket Peer, Socket Accepted)> ConnectAsync(Action<Socket>? configurePeer = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        configurePeer?.Invoke(peer);
        Task connect = peer.ConnectAsync(listener.LocalEndPoint!);
        Socket accepted = await listener.AcceptAsync().WaitAsync(Hang);
        await connect.WaitAsync(Hang);
        return (peer, accepted);
    }

    /// <summary>Bytes whose value follows their offset, so a lost, doubled or misplaced run shows.</summary>
    public static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }
}
