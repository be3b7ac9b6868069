using System.Security.Cryptography;
using Tether.Framing;

namespace Tether.Sessions;

/// <summary>Resume tokens: 32 bytes from the OS CSPRNG, handed to the client once and kept only as their SHA-256.</summary>
internal static class ResumeTokens
{
    public static byte[] Create() => RandomNumberGenerator.GetBytes(ProtocolConstants.ResumeTokenSize);

    public static byte[] Hash(ReadOnlySpan<byte> token) => SHA256.HashData(token);

    /// <summary>Constant-time comparison of a presented token with a stored hash (no timing oracle on the hash).</summary>
    public static bool Matches(ReadOnlySpan<byte> token, ReadOnlySpan<byte> hash)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(token, presented);
        return hash.Length == presented.Length && CryptographicOperations.FixedTimeEquals(presented, hash);
    }
}
