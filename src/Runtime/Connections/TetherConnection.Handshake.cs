using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    /// <summary>The first frame must be a hello (or, for a client being refused, a goaway or error saying why).</summary>
    private void OnHandshakeFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!_settings.IsServer && header.Type is FrameType.GoAway or FrameType.Error)
        {
            var refusal = new TetherException((TetherErrorCode)header.MessageId, ReadText(payload));
            _handshake.TrySetException(refusal);
            RequestStop(refusal);
            return;
        }

        if (header.Type != FrameType.Hello)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"Expected a hello, got a {header.Type} frame.");
            return;
        }

        Span<byte> bytes = stackalloc byte[HelloPayload.Size];
        if (header.MessageId != ProtocolConstants.Version || payload.Length < HelloPayload.Size)
        {
            ProtocolError(TetherErrorCode.UnsupportedVersion, $"The peer speaks protocol version {header.MessageId}; this side speaks {ProtocolConstants.Version}.");
            return;
        }

        payload.Slice(0, HelloPayload.Size).CopyTo(bytes);
        if (!HelloPayload.TryRead(bytes, out HelloPayload hello))
        {
            ProtocolError(TetherErrorCode.UnsupportedVersion, "The hello is malformed (magic or frame size).");
            return;
        }

        Output.PeerMaxFrameSize = hello.MaxFrameSize;
        if (_settings.IsServer)
        {
            if (RefuseAtHandshake is { } refusal)
            {
                ConnectionLog.ConnectionRefused(Logger, Id, refusal.Code);
                TryWriteError(FrameType.GoAway, refusal.Code, refusal.Message);
                _handshake.TrySetException(refusal);
                RequestStop(refusal);
                return;
            }

            WriteHello();
        }

        State = SessionState.Active;
        _handshake.TrySetResult();
    }

    /// <summary>Set by a server that must refuse this connection (for example at its connection limit): the client learns why instead of a hello.</summary>
    public TetherException? RefuseAtHandshake { get; set; }

    private void TryWriteError(FrameType type, TetherErrorCode code, string message)
    {
        try
        {
            Output.WriteError(type, 0, code, message);
        }
        catch (TetherException)
        {
        }
    }
}
