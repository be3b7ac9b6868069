using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tether.Analyzers.Messages;

/// <summary>TETH1006: two message types in one assembly share an id (reported at both).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DuplicateMessageIdAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property holding the shared id, for the code fix (messages are localized).</summary>
    public const string MessageIdProperty = "MessageId";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DuplicateMessageId);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? attribute = start.Compilation.GetTypeByMetadataName("Tether.MessageAttribute");
            if (attribute is null)
            {
                return;
            }

            var byId = new ConcurrentDictionary<int, ConcurrentBag<INamedTypeSymbol>>();
            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var type = (INamedTypeSymbol)symbolContext.Symbol;
                    foreach (AttributeData data in type.GetAttributes())
                    {
                        if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute) && data.ConstructorArguments.Length == 1 && data.ConstructorArguments[0].Value is int id)
                        {
                            byId.GetOrAdd(id, static _ => new ConcurrentBag<INamedTypeSymbol>()).Add(type);
                        }
                    }
                },
                SymbolKind.NamedType);

            start.RegisterCompilationEndAction(end =>
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
        });
    }
}
