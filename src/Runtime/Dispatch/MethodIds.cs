using System.Text;

namespace Tether;

/// <summary>
/// How a method's wire id is derived when the contract does not set one: FNV-1a (32-bit) over the UTF-8 bytes of
/// <c>"{service}/{method}"</c>, with the sign bit cleared, and 1 in place of 0. The generator computes the same value at
/// compile time; renaming a service or method therefore changes its id, which <see cref="MethodAttribute.Id"/> pins.
/// </summary>
public static class MethodIds
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>The derived id of <paramref name="methodName"/> in <paramref name="serviceName"/>.</summary>
    public static int Derive(string serviceName, string methodName)
    {
        ArgumentNullException.ThrowIfNull(serviceName);
        ArgumentNullException.ThrowIfNull(methodName);
        uint hash = OffsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(serviceName + "/" + methodName))
        {
            hash = unchecked((hash ^ b) * Prime);
        }

        int id = (int)(hash & 0x7FFF_FFFF);
        return id == 0 ? 1 : id;
    }
}
