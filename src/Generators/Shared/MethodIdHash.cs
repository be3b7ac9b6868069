using System.Text;

namespace Tether.Generators.Shared;

/// <summary>
/// The derived method id, computed at compile time exactly as <c>MethodIds.Derive</c> does at run time
/// (a test holds them equal): FNV-1a 32 over the UTF-8 of <c>"{service}/{method}"</c>, sign bit cleared, 0 → 1.
/// </summary>
internal static class MethodIdHash
{
    public static int Derive(string serviceName, string methodName)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(serviceName + "/" + methodName))
        {
            hash = unchecked((hash ^ b) * 16777619);
        }

        int id = (int)(hash & 0x7FFF_FFFF);
        return id == 0 ? 1 : id;
    }
}
