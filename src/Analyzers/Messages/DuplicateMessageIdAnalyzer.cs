using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Tether.Analyzers.Support;

namespace Tether.Analyzers.Messages;

/// <summary>TETH1006: two message types in one assembly share an id (reported at both).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DuplicateMessageIdAnalyzer : TetherAnalyzer
{
    /// <summary>Diagnostic property holding the shared id, for the code fix (messages are localized).</summary>
    public const string MessageIdProperty = "MessageId";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DuplicateMessageId);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols)
    {
        var byId = new ConcurrentDictionary<int, ConcurrentBag<INamedTypeSymbol>>();
        context.RegisterSymbolAction(
            symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                if (TetherSymbols.FindAttribute(type, symbols.Message) is { ConstructorArguments: { Length: 1 } arguments } && arguments[0].Value is int id)
                {
                    byId.GetOrAdd(id, static _ => new ConcurrentBag<INamedTypeSymbol>()).Add(type);
                }
            },
            SymbolKind.NamedType);

        context.RegisterCompilationEndAction(end =>
        {
            foreach (var pair in byId)
            {
                INamedTypeSymbol[] types = pair.Value.OrderBy(static t => t.ToDisplayString(), System.StringComparer.Ordinal).ToArray();
                for (int i = 0; i < types.Length && types.Length > 1; i++)
                {
                    INamedTypeSymbol other = types[i == 0 ? 1 : 0];
                    end.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.DuplicateMessageId,
                        types[i].Locations.FirstOrDefault(),
                        ImmutableDictionary<string, string?>.Empty.Add(MessageIdProperty, pair.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        pair.Key,
                        types[i].Name,
                        other.Name));
                }
            }
        });
    }
}
