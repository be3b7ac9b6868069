using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;

namespace Tether.Security;

/// <summary>
/// Authenticates a client by the certificate it presented on its TLS or QUIC link (mutual TLS; the transport has
/// already validated it against the server's trust settings). The principal carries the certificate's subject name,
/// distinguished name and thumbprint; its subject (<see cref="AuthenticationResult.Subject"/>) is the thumbprint, and
/// it expires with the certificate. No certificate: no result (the next authenticator decides).
/// </summary>
public sealed class CertificateAuthenticator : IAuthenticator
{
    /// <summary>The authentication type of the principals it makes.</summary>
    public const string AuthenticationType = "Certificate";

    /// <inheritdoc />
    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ClientCertificate is { } certificate
            ? new(AuthenticationResult.Success(CreatePrincipal(certificate), new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)))
            : new(AuthenticationResult.NoResult);
    }

    /// <summary>The principal of a client certificate (also what a session authenticated by nothing else is given).</summary>
    public static ClaimsPrincipal CreatePrincipal(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, certificate.Thumbprint),
                new Claim(ClaimTypes.Name, certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)),
                new Claim(ClaimTypes.X500DistinguishedName, certificate.Subject),
                new Claim(ClaimTypes.Thumbprint, certificate.Thumbprint),
            ],
            AuthenticationType);
        return new ClaimsPrincipal(identity);
    }
}
