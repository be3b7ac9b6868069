using System.Net;

namespace Tether.Transport.Tls;

/// <summary>A connection a TLS listener dropped during its handshake, and why.</summary>
/// <param name="RemoteEndPoint">Where the connection came from.</param>
/// <param name="Error">The typed reason (<see cref="TetherErrorCategory.Security"/> codes, or <see cref="TetherErrorCode.FrameTimeout"/> for a handshake that took too long).</param>
public sealed record TlsHandshakeFailure(EndPoint? RemoteEndPoint, TetherException Error);
