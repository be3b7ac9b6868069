using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tether.Security.ApiKeys;

/// <summary>
/// The shape of a Tether API key: <c>tether_</c>, a 16-hex-digit key id, <c>_</c>, then 32 random bytes in base64url
/// (43 characters). The fixed prefix lets secret scanners (GitHub's, gitleaks) find leaked keys; the id, which is not
/// secret, finds the stored record without trying every hash.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>What every key starts with.</summary>
    public const string Prefix = "tether_";

    /// <summary>Random bytes in a key's secret.</summary>
    public const int SecretBytes = 32;

    private const int IdLength = 16;
    private static readonly int s_secretLength = Base64Url.GetEncodedLength(SecretBytes);

    /// <summary>The length of every key.</summary>
    public static int KeyLength => Prefix.Length + IdLength + 1 + s_secretLength;

    /// <summary>A new key id (8 random bytes as lowercase hex).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));

    /// <summary>A new key for <paramref name="id"/>: the id and 32 fresh random bytes.</summary>
    public static string NewKey(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        string key = Prefix + id + "_" + Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        return key;
    }

    /// <summary>Reads the id of a presented key; false when it is not shaped like a key (no secret is ever echoed).</summary>
    public static bool TryGetId(ReadOnlySpan<char> key, out string id)
    {
        id = "";
        if (key.Length != KeyLength || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        ReadOnlySpan<char> idPart = key.Slice(Prefix.Length, IdLength);
        foreach (char c in idPart)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        id = idPart.ToString();
        return true;
    }
}
