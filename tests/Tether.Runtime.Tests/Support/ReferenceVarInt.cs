namespace Tether.Runtime.Tests.Support;

/// <summary>The textbook LEB128 varint, byte by byte: what the codec's word-at-a-time paths must agree with.</summary>
public static class ReferenceVarInt
{
    public static byte[] Encode(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
