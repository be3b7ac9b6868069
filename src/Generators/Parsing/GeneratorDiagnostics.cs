using Microsoft.CodeAnalysis;

namespace Tether.Generators.Parsing;

/// <summary>
/// Diagnostics the generator itself must report because it cannot emit code otherwise. Rules that
/// only advise (style, performance, evolution) live in Tether.Analyzers.
/// </summary>
internal static class GeneratorDiagnostics
{
    private const string HelpBase = "docs/diagnostics/";

    public static readonly DiagnosticDescriptor MessageNotPartial = Create(
        "TETH1001", "Message type must be partial",
        "Message '{0}' must be declared partial (with every containing type) so Tether can generate its codec", "Usage");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "TETH1002", "Message member type is not supported",
        "Member '{0}' of message '{1}' has type '{2}', which Tether cannot encode; supported: bool, integers, float, double, Half, decimal, char, enums, string, byte[], ReadOnlyMemory<byte>, Guid, DateTime, DateTimeOffset, TimeSpan, Nullable<T>, T[], List<T>, IReadOnlyList<T>, Dictionary<K,V> and [Message] types", "Usage");

    public static readonly DiagnosticDescriptor GenericMessage = Create(
        "TETH1003", "Generic message types are not supported",
        "Message '{0}' is generic; a message needs one fixed wire shape, so declare a closed type instead", "Usage");

    public static readonly DiagnosticDescriptor MessageNotConstructible = Create(
        "TETH1004", "Message cannot be constructed by the decoder",
        "Message '{0}' needs a parameterless constructor or a constructor whose parameters match its members by name and type", "Usage");

    public static readonly DiagnosticDescriptor MessageIdOutOfRange = Create(
        "TETH1005", "Message id is out of range",
        "Message '{0}' has id {1}; ids must be between 1 and 1073741823 (larger ids are reserved for the framework)", "Usage");

    public static readonly DiagnosticDescriptor HandlerNotPartial = Create(
        "TETH2001", "Handler type must be partial",
        "Handler '{0}' must be declared partial (with every containing type) so Tether can generate its dispatch table", "Usage");

    public static readonly DiagnosticDescriptor HandlerMethodNotDispatchable = Create(
        "TETH2002", "Handler method cannot be dispatched",
        "Handler method '{0}' cannot be dispatched: {1}", "Usage");

    public static readonly DiagnosticDescriptor DuplicateHandlerMessage = Create(
        "TETH2003", "Two handler methods handle the same message",
        "Handler methods '{0}' and '{1}' both handle message '{2}'; a message id dispatches to exactly one method", "Usage");

    public static readonly DiagnosticDescriptor[] All =
    [
        MessageNotPartial, UnsupportedMemberType, GenericMessage, MessageNotConstructible, MessageIdOutOfRange,
        HandlerNotPartial, HandlerMethodNotDispatchable, DuplicateHandlerMessage,
    ];

    public static DiagnosticDescriptor Find(string id)
    {
        foreach (DiagnosticDescriptor descriptor in All)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        throw new System.ArgumentException("Unknown diagnostic id " + id, nameof(id));
    }

    private static DiagnosticDescriptor Create(string id, string title, string message, string category) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
}
