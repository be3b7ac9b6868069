using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Tether.Security.ApiKeys;

/// <summary>
/// An API key as stored: an Argon2id hash of the whole key with its salt and parameters (never the key). The defaults
/// are OWASP's first recommended setting for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
/// </summary>
/// <param name="Hash">The 32-byte hash.</param>
/// <param name="Salt">The 16-byte random salt.</param>
/// <param name="MemoryKiB">Memory cost in KiB.</param>
/// <param name="Iterations">Time cost.</param>
/// <param name="Parallelism">Lanes.</param>
public sealed record ApiKeyHash(byte[] Hash, byte[] Salt, int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>OWASP's memory cost for Argon2id (19 MiB).</summary>
    public const int DefaultMemoryKiB = 19 * 1024;

    /// <summary>OWASP's time cost at that memory.</summary>
    public const int DefaultIterations = 2;

    /// <summary>Hashes <paramref name="key"/> with a new salt.</summary>
    public static ApiKeyHash Create(string key, int memoryKiB = DefaultMemoryKiB, int iterations = DefaultIterations, int parallelism = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        return new ApiKeyHash(Compute(key, salt, memoryKiB, iterations, parallelism), salt, memoryKiB, iterations, parallelism);
    }

    /// <summary>Whether <paramref name="key"/> is the key this is the hash of (constant-time comparison).</summary>
    public bool Matches(string key) =>
        CryptographicOperations.FixedTimeEquals(Compute(key, Salt, MemoryKiB, Iterations, Parallelism), Hash);

    /// <summary>The PHC string form (<c>$argon2id$v=19$m=..,t=..,p=..$salt$hash</c>), for storing in configuration.</summary>
    public override string ToString() =>
        $"$argon2id$v=19$m={MemoryKiB},t={Iterations},p={Parallelism}${Convert.ToBase64String(Salt).TrimEnd('=')}${Convert.ToBase64String(Hash).TrimEnd('=')}";

    /// <summary>Reads the PHC string form.</summary>
    /// <exception cref="FormatException">It is not an Argon2id PHC string.</exception>
    public static ApiKeyHash Parse(string phc)
    {
        ArgumentNullException.ThrowIfNull(phc);
        string[] parts = phc.Split('$');
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            throw new FormatException("Not an Argon2id (v=19) PHC string.");
        }

        var settings = parts[3].Split(',').Select(static p => p.Split('=')).ToDictionary(static p => p[0], static p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        return new ApiKeyHash(FromUnpadded(parts[5]), FromUnpadded(parts[4]), settings["m"], settings["t"], settings["p"]);
    }

    private static byte[] FromUnpadded(string base64) => Convert.FromBase64String(base64.PadRight((base64.Length + 3) / 4 * 4, '='));

    private static byte[] Compute(string key, byte[] salt, int memoryKiB, int iterations, int parallelism)
    {
        byte[] password = Encoding.UTF8.GetBytes(key);
        try
        {
            using var argon2 = new Argon2id(password)
            {
                Salt = salt,
                MemorySize = memoryKiB,
                Iterations = iterations,
                DegreeOfParallelism = parallelism,
            };
            return argon2.GetBytes(32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }
}
