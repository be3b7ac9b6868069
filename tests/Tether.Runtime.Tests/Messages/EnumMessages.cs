namespace Tether.Runtime.Tests.Messages;

[Flags]
public enum Access : uint
{
    None = 0,
    Read = 1,
    Write = 2,
    ReadWrite = 3,
    Admin = 8,
}

public enum Huge : ulong
{
    Zero = 0,
    Top = ulong.MaxValue,
}

/// <summary>Enums in every position a tool must name them in: plain, flags, a map's key and value, a list, an optional.</summary>
[Message(710)]
public sealed partial record EnumHolder(Access Access, Dictionary<Side, Access>? BySide, List<Huge>? Huges, Side? MaybeSide);
