using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>
/// An endpoint's UDP socket, with Linux's batching on both sides: a run of equal-sized packets leaves in one
/// <c>sendmsg</c> (GSO, <c>UDP_SEGMENT</c>), and the kernel hands over a sender's consecutive datagrams in one
/// <c>recvmsg</c> (GRO, <c>UDP_GRO</c>). A bulk transfer then costs one system call and one wake-up per ~44 packets
/// instead of one each. Where the kernel refuses either, it falls back to one datagram per call.
/// </summary>
/// <remarks>The native calls hold a reference on the socket's handle, so a concurrent dispose cannot hand the
/// descriptor number to another socket mid-call.</remarks>
internal sealed unsafe class DatagramSocket : IDisposable
{
    /// <summary>The most bytes one GSO send carries: below IPv4's and IPv6's 64 KiB packet limits with headers.</summary>
    private const int MaxBatchBytes = 65_000;

    private static readonly TimeSpan s_sendWait = TimeSpan.FromMilliseconds(50);

    private readonly Socket _socket;
    private volatile bool _gso;
    private long _batchesSent;
    private long _coalescedReceives;

    /// <summary>Wraps <paramref name="socket"/>; <paramref name="offload"/> turns GSO and GRO on (where the kernel has them).</summary>
    public DatagramSocket(Socket socket, bool offload)
    {
        _socket = socket;
        _gso = offload;
        if (!offload)
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(Libc.SolUdp, Libc.UdpGro, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // An older kernel: every receive is one datagram.
        }
    }

    /// <summary>Outcome of a send.</summary>
    public enum SendStatus
    {
        /// <summary>Handed to the kernel (or dropped by a full or failing socket: QUIC recovers from loss).</summary>
        Sent,

        /// <summary>A datagram is larger than the path allows; every retry would be refused the same way.</summary>
        TooLarge,
    }

    /// <summary>Sends that carried more than one packet (diagnostics).</summary>
    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    /// <summary>Receives that carried more than one datagram (diagnostics).</summary>
    public long CoalescedReceives => Interlocked.Read(ref _coalescedReceives);

    /// <summary>The underlying socket.</summary>
    public Socket Socket => _socket;

    /// <summary>How many packets of <paramref name="segmentSize"/> bytes one <see cref="Send"/> may carry.</summary>
    public static int MaxSegments(int segmentSize) => Math.Clamp(MaxBatchBytes / segmentSize, 1, Libc.MaxGsoSegments);

    /// <summary>
    /// Sends <paramref name="length"/> bytes as datagrams of <paramref name="segmentSize"/> bytes each (the last may be
    /// shorter) to <paramref name="destination"/>.
    /// </summary>
    public SendStatus Send(byte* data, int length, int segmentSize, SocketAddress destination)
    {
        if (length > segmentSize && !_gso)
        {
            return SendEach(data, length, segmentSize, destination);
        }

        int error = SendOnce(data, length, length > segmentSize ? segmentSize : 0, destination);
        switch (error)
        {
            case 0:
                if (length > segmentSize)
                {
                    Interlocked.Increment(ref _batchesSent);
                }

                return SendStatus.Sent;
            case Libc.EMsgSize when length <= segmentSize:
                return SendStatus.TooLarge;
            case Libc.EIo or Libc.EInval or Libc.ENoProtoOpt or Libc.EOpNotSupp or Libc.EMsgSize when length > segmentSize:
                // The kernel or device will not segment for us (or not this size): one datagram per call from now on.
                _gso = false;
                return SendEach(data, length, segmentSize, destination);
            default:
                return SendStatus.Sent; // a full or failing socket drops it; QUIC retransmits
        }
    }

    /// <summary>Waits until a datagram is waiting (a zero-byte peek consumes nothing).</summary>
    public ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) =>
        _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, cancellationToken);

    /// <summary>
    /// Takes the next waiting datagram, or run of coalesced datagrams, without waiting.
    /// </summary>
    /// <param name="buffer">Where it goes (64 KiB holds any).</param>
    /// <param name="capacity">Size of <paramref name="buffer"/>.</param>
    /// <param name="from">Receives the sender's address (its size is set).</param>
    /// <param name="segmentSize">The size of each coalesced datagram (the last may be shorter), or the whole length.</param>
    /// <returns>Bytes received; -1 when nothing is waiting.</returns>
    /// <exception cref="SocketException">The socket reported an error (on a client: port unreachable).</exception>
    public int Receive(byte* buffer, int capacity, SocketAddress from, out int segmentSize)
    {
        int controlSpace = Libc.ControlSpace(sizeof(int));
        byte* control = stackalloc byte[controlSpace];
        var vector = new iovec { iov_base = buffer, iov_len = (nuint)capacity };
        fixed (byte* name = from.Buffer.Span)
        {
            var message = new msghdr
            {
                msg_name = name,
                msg_namelen = (uint)from.Buffer.Length,
                msg_iov = &vector,
                msg_iovlen = 1,
                msg_control = control,
                msg_controllen = (nuint)controlSpace,
            };
            nint received;
            int error;
            do
            {
                received = Native(&Libc.recvmsg, &message, Libc.MsgDontWait, out error);
            }
            while (received < 0 && error == Libc.EIntr);

            if (received < 0)
            {
                segmentSize = 0;
                return error == Libc.EAgain ? -1 : throw new SocketException((int)ToSocketError(error));
            }

            from.Size = (int)message.msg_namelen;
            segmentSize = (int)received;
            if (message.msg_controllen >= (nuint)Libc.ControlLength(sizeof(int)))
            {
                var header = (cmsghdr*)control;
                if (header->cmsg_level == Libc.SolUdp && header->cmsg_type == Libc.UdpGro)
                {
                    segmentSize = *(int*)(control + sizeof(cmsghdr));
                    if (segmentSize < received)
                    {
                        _coalescedReceives++; // only the endpoint's receive loop receives
                    }
                }
            }

            return (int)received;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();

    /// <summary>The errors a UDP receive reports (ICMP answers to earlier sends among them) as .NET names them.</summary>
    private static SocketError ToSocketError(int error) => error switch
    {
        Libc.EConnRefused => SocketError.ConnectionRefused,
        Libc.EConnReset => SocketError.ConnectionReset,
        Libc.EMsgSize => SocketError.MessageSize,
        Libc.ENetUnreach => SocketError.NetworkUnreachable,
        Libc.EHostUnreach => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    private SendStatus SendEach(byte* data, int length, int segmentSize, SocketAddress destination)
    {
        for (int offset = 0; offset < length; offset += segmentSize)
        {
            int size = Math.Min(segmentSize, length - offset);
            if (SendOnce(data + offset, size, 0, destination) == Libc.EMsgSize)
            {
                return SendStatus.TooLarge;
            }
        }

        return SendStatus.Sent;
    }

    /// <summary>One <c>sendmsg</c>, with a GSO segment size when <paramref name="segmentSize"/> is not 0.</summary>
    /// <returns>0, or the error number.</returns>
    private int SendOnce(byte* data, int length, int segmentSize, SocketAddress destination)
    {
        int controlSpace = Libc.ControlSpace(sizeof(ushort));
        byte* control = stackalloc byte[controlSpace];
        new Span<byte>(control, controlSpace).Clear();
        var vector = new iovec { iov_base = data, iov_len = (nuint)length };
        fixed (byte* name = destination.Buffer.Span)
        {
            var message = new msghdr
            {
                msg_name = name,
                msg_namelen = (uint)destination.Size,
                msg_iov = &vector,
                msg_iovlen = 1,
            };
            if (segmentSize != 0)
            {
                var header = (cmsghdr*)control;
                header->cmsg_len = (nuint)Libc.ControlLength(sizeof(ushort));
                header->cmsg_level = Libc.SolUdp;
                header->cmsg_type = Libc.UdpSegment;
                *(ushort*)(control + sizeof(cmsghdr)) = (ushort)segmentSize;
                message.msg_control = control;
                message.msg_controllen = (nuint)controlSpace;
            }

            bool waited = false;
            while (true)
            {
                nint sent = Native(&Libc.sendmsg, &message, 0, out int error);
                if (sent >= 0)
                {
                    return 0;
                }

                if (error == Libc.EIntr)
                {
                    continue;
                }

                if (error == Libc.EAgain && !waited)
                {
                    // The socket's send buffer is full (.NET keeps the descriptor non-blocking): give the kernel a
                    // moment to drain it rather than drop a whole burst, which would read as heavy loss.
                    waited = true;
                    if (Poll(SelectMode.SelectWrite))
                    {
                        continue;
                    }
                }

                return error;
            }
        }
    }

    private bool Poll(SelectMode mode)
    {
        try
        {
            return _socket.Poll(s_sendWait, mode);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Runs a native socket call with the handle referenced; a disposed socket reads as a dropped datagram.</summary>
    private nint Native(delegate*<nint, msghdr*, int, nint> call, msghdr* message, int flags, out int error)
    {
        SafeHandle handle = _socket.SafeHandle;
        bool referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
            nint result = call(handle.DangerousGetHandle(), message, flags);
            error = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            return result;
        }
        catch (ObjectDisposedException)
        {
            error = Libc.EAgain;
            return -1;
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }
}
