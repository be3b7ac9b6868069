using Microsoft.CodeAnalysis;
using Tether.Generators.Shared;

namespace Tether.Analyzers;

/// <summary>
/// Every rule Tether reports (1xxx messages, 2xxx handlers, 3xxx performance and reliability, 4xxx
/// security). Titles, messages and descriptions are localizable (Resources.resx).
/// </summary>
internal static class Descriptors
{
    private const string HelpBase = "docs/diagnostics/";

    public static readonly DiagnosticDescriptor MessageNotPartial = Create("TETH1001", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create("TETH1002", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GenericMessage = Create("TETH1003", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MessageNotConstructible = Create("TETH1004", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MessageIdOutOfRange = Create("TETH1005", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateMessageId = Create("TETH1006", "Usage", DiagnosticSeverity.Error, WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ShippedShapeChanged = Create("TETH1007", "Reliability", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ShippedMessageMissing = Create("TETH1008", "Reliability", DiagnosticSeverity.Error, WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MutableMessageSent = Create("TETH1009", "Reliability", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HandlerNotPartial = Create("TETH2001", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerMethodNotDispatchable = Create("TETH2002", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerParameterNotMessage = Create("TETH2004", "Usage", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HandlerHasNoMethods = Create("TETH2005", "Usage", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor DuplicateMethodId = Create("TETH2006", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ServiceMemberNotCallable = Create("TETH2007", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerDiffersFromService = Create("TETH2008", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ServiceNotPartial = Create("TETH2009", "Usage", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerMethodNotInService = Create("TETH2010", "Usage", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor BlockingCallInHandler = Create("TETH3001", "Reliability", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ReceiveBufferEscapes = Create("TETH3002", "Reliability", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HandlerReturnsTask = Create("TETH3003", "Performance", DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor AnonymousOverridesAuthorize = Create("TETH4001", "Security", DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor InvalidRateLimit = Create("TETH4002", "Security", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AccessAttributeIgnored = Create("TETH4003", "Security", DiagnosticSeverity.Warning);

    /// <summary>The rule for a problem the shared generator parsers found (<see cref="DiagnosticIds"/>).</summary>
    public static DiagnosticDescriptor ForParserId(string id) => id switch
    {
        DiagnosticIds.MessageNotPartial => MessageNotPartial,
        DiagnosticIds.UnsupportedMemberType => UnsupportedMemberType,
        DiagnosticIds.GenericMessage => GenericMessage,
        DiagnosticIds.MessageNotConstructible => MessageNotConstructible,
        DiagnosticIds.MessageIdOutOfRange => MessageIdOutOfRange,
        DiagnosticIds.HandlerNotPartial => HandlerNotPartial,
        DiagnosticIds.HandlerMethodNotDispatchable => HandlerMethodNotDispatchable,
        DiagnosticIds.DuplicateMethodId => DuplicateMethodId,
        DiagnosticIds.ServiceMemberNotCallable => ServiceMemberNotCallable,
        DiagnosticIds.HandlerDiffersFromService => HandlerDiffersFromService,
        DiagnosticIds.ServiceNotPartial => ServiceNotPartial,
        _ => throw new System.ArgumentException("Unknown parser diagnostic " + id, nameof(id)),
    };

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(
            id,
            Localized(id + "Title"),
            Localized(id + "Message"),
            category,
            severity,
            isEnabledByDefault: true,
            description: Localized(id + "Description"),
            helpLinkUri: HelpBase + id + ".md",
            customTags: tags);

    private static LocalizableResourceString Localized(string name) =>
        new(name, Resources.Manager, typeof(Descriptors));
}
