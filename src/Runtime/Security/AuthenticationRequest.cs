using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Security;

/// <summary>Why an <see cref="IAuthenticator"/> is asked.</summary>
public enum AuthenticationPurpose
{
    /// <summary>The hello of a new session.</summary>
    NewSession,

    /// <summary>The hello of a resume: the principal must be the session's (<see cref="AuthenticationResult.Subject"/>).</summary>
    Resume,

    /// <summary>A live session refreshes its credentials (for example a token about to expire).</summary>
    Refresh,
}

/// <summary>What a client presented to authenticate, for <see cref="IAuthenticator.AuthenticateAsync"/>.</summary>
public sealed class AuthenticationRequest
{
    /// <summary>Creates a request (the server makes them; tests of an authenticator may too).</summary>
    public AuthenticationRequest(AuthenticationPurpose purpose, TetherCredentials? credentials, X509Certificate2? clientCertificate, EndPoint? remoteEndPoint, string transportName)
    {
        Purpose = purpose;
        Credentials = credentials;
        ClientCertificate = clientCertificate;
        RemoteEndPoint = remoteEndPoint;
        TransportName = transportName ?? "";
    }

    /// <summary>New session, resume or refresh.</summary>
    public AuthenticationPurpose Purpose { get; }

    /// <summary>The credentials the client sent, or null when it sent none.</summary>
    public TetherCredentials? Credentials { get; }

    /// <summary>The certificate the client authenticated its TLS or QUIC link with, or null.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The client's address, when the transport has one.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The transport of the link (<c>tcp</c>, <c>tls</c>, <c>quic</c>, <c>memory</c>).</summary>
    public string TransportName { get; }
}
