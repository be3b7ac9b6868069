namespace Tether;

/// <summary>
/// Message ids of the built-in services' messages: the top of the id range (<c>0x3FFF_FF00</c> and up), out of the way
/// of application ids. A collision would not break anything: built-in methods are called by method id only, never by
/// message type, and a reply is matched to its call, not to its id alone.
/// </summary>
internal static class BuiltInMessageIds
{
    public const int MessageShape = 0x3FFF_FF00;
    public const int MemberShape = 0x3FFF_FF01;
    public const int DescribeRequest = 0x3FFF_FF02;
    public const int ServerShape = 0x3FFF_FF03;
    public const int ServiceShape = 0x3FFF_FF04;
    public const int MethodShape = 0x3FFF_FF05;
    public const int RemovedMethod = 0x3FFF_FF06;
    public const int EnumShape = 0x3FFF_FF07;

    public const int SessionQuery = 0x3FFF_FF10;
    public const int SessionList = 0x3FFF_FF11;
    public const int SessionSummary = 0x3FFF_FF12;
    public const int SessionRef = 0x3FFF_FF13;
    public const int SessionDetail = 0x3FFF_FF14;
    public const int SessionEndResult = 0x3FFF_FF15;
}
