using System.Text;

namespace Tether.Security;

/// <summary>
/// What a client presents to authenticate its session: a scheme (<c>ApiKey</c>, <c>Bearer</c>, or one of the
/// application's) and a secret. Sent in the hello (and again on every resume and refresh), read by the server's
/// <see cref="IAuthenticator"/> chain. <see cref="ToString"/> never shows the secret.
/// </summary>
public sealed class TetherCredentials
{
    /// <summary>The scheme of an API key (<see cref="ApiKey"/>).</summary>
    public const string ApiKeyScheme = "ApiKey";

    /// <summary>The scheme of a bearer token (<see cref="Bearer"/>).</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The longest scheme name accepted, in characters.</summary>
    public const int MaxSchemeLength = 64;

    /// <summary>The largest secret accepted, in bytes (a hello carries at most 16 KiB in all).</summary>
    public const int MaxSecretBytes = 8 * 1024;

    private readonly byte[] _secret;

    /// <summary>Creates credentials of <paramref name="scheme"/> with the secret's bytes (copied).</summary>
    /// <exception cref="ArgumentException">The scheme is empty or too long, or the secret is too large.</exception>
    public TetherCredentials(string scheme, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        if (scheme.Length > MaxSchemeLength)
        {
            throw new ArgumentException($"A scheme name has at most {MaxSchemeLength} characters.", nameof(scheme));
        }

        if (secret.Length > MaxSecretBytes)
        {
            throw new ArgumentException($"A secret has at most {MaxSecretBytes:N0} bytes.", nameof(secret));
        }

        Scheme = scheme;
        _secret = secret.ToArray();
    }

    /// <summary>The scheme: which authenticator is meant to read the secret.</summary>
    public string Scheme { get; }

    /// <summary>The secret's bytes.</summary>
    public ReadOnlyMemory<byte> Secret => _secret;

    /// <summary>An API key as <see cref="ApiKeyScheme"/> credentials.</summary>
    public static TetherCredentials ApiKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new TetherCredentials(ApiKeyScheme, Encoding.UTF8.GetBytes(key));
    }

    /// <summary>A bearer token (a JWT, an opaque token) as <see cref="BearerScheme"/> credentials.</summary>
    public static TetherCredentials Bearer(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new TetherCredentials(BearerScheme, Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The secret as UTF-8 text (what <see cref="ApiKey"/> and <see cref="Bearer"/> carry).</summary>
    /// <exception cref="DecoderFallbackException">The secret is not valid UTF-8.</exception>
    public string GetSecretText() => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(_secret);

    /// <summary>The scheme and the secret's length; never the secret.</summary>
    public override string ToString() => $"{Scheme} credentials ({_secret.Length} bytes, not shown)";
}
