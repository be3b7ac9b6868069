namespace Tether.Generators.Shared;

/// <summary>
/// Ids of the problems the parsers find. The generator skips a type with any of them; Tether.Analyzers
/// (which compiles these parsers in) reports them, so the rule and the generator can never disagree.
/// </summary>
internal static class DiagnosticIds
{
    public const string MessageNotPartial = "TETH1001";
    public const string UnsupportedMemberType = "TETH1002";
    public const string GenericMessage = "TETH1003";
    public const string MessageNotConstructible = "TETH1004";
    public const string MessageIdOutOfRange = "TETH1005";
    public const string HandlerNotPartial = "TETH2001";
    public const string HandlerMethodNotDispatchable = "TETH2002";
    // TETH2003 (two methods taking one message) is retired: calls dispatch by method id since protocol version 3.
    public const string DuplicateMethodId = "TETH2006";
    public const string ServiceMemberNotCallable = "TETH2007";
    public const string HandlerDiffersFromService = "TETH2008";
    public const string ServiceNotPartial = "TETH2009";
}
