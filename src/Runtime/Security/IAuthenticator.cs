namespace Tether.Security;

/// <summary>
/// Turns what a client presents (<see cref="AuthenticationRequest"/>: its credentials, its TLS client certificate, its
/// address) into the session's principal. A server runs its authenticators in order at every hello (new session and
/// resume) and at every credentials refresh: the first that succeeds or fails decides; one that does not recognise
/// what it was given returns <see cref="AuthenticationResult.NoResult"/> and the next is asked.
/// </summary>
/// <remarks>
/// Runs before any handler, on the link's receive path: keep it quick, or cache (the API key authenticator caches
/// verified keys). A failure's reason reaches the client; never put a secret in it.
/// </remarks>
public interface IAuthenticator
{
    /// <summary>Authenticates one hello or refresh.</summary>
    /// <param name="request">What the client presented.</param>
    /// <param name="cancellationToken">Fires when the connection closes.</param>
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken);
}
