using Microsoft.CodeAnalysis;

namespace Tether.Analyzers;

/// <summary>Every rule Tether.Analyzers reports (1xxx messages, 2xxx handlers, 3xxx performance, 4xxx sessions/config).</summary>
internal static class Descriptors
{
    public static readonly DiagnosticDescriptor DuplicateMessageId = new(
        "TETH1006",
        "Message id is used twice in the assembly",
        "Message id {0} is used by both '{1}' and '{2}'; ids must be unique in an assembly",
        "Usage",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: "docs/diagnostics/TETH1006.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
