using System.Net;
using Tether.Transport;

namespace Tether;

/// <summary>One more place a server listens (<see cref="TetherServerOptions.AdditionalListeners"/>).</summary>
/// <param name="Transport">The transport that listens.</param>
/// <param name="EndPoint">The address to bind.</param>
public sealed record ListenerOptions(ITransportListenerFactory Transport, EndPoint EndPoint);
