using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Tether.Analyzers.Support;
using Tether.Generators.Model;
using Tether.Generators.Parsing;

namespace Tether.Analyzers.Messages;

/// <summary>
/// TETH1001–1005: a message the generator cannot encode (found by the generator's own parser, so the two
/// never disagree); TETH1007–1008: with <c>TetherMessages.Shipped.txt</c>, changes that break deployed peers.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageAnalyzer : TetherAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.MessageNotPartial,
        Descriptors.UnsupportedMemberType,
        Descriptors.GenericMessage,
        Descriptors.MessageNotConstructible,
        Descriptors.MessageIdOutOfRange,
        Descriptors.ShippedShapeChanged,
        Descriptors.ShippedMessageMissing);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols)
    {
        ShippedShapes? shipped = ShippedShapes.Find(context.Options, context.CancellationToken);
        var declared = new ConcurrentDictionary<int, INamedTypeSymbol>();
        context.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols, shipped, declared), SymbolKind.NamedType);
        if (shipped is not null)
        {
            context.RegisterCompilationEndAction(end => ReportShippedIds(end, shipped, declared));
        }
    }

    private static void AnalyzeType(SymbolAnalysisContext context, TetherSymbols symbols, ShippedShapes? shipped, ConcurrentDictionary<int, INamedTypeSymbol> declared)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (TetherSymbols.FindAttribute(type, symbols.Message) is not { } attribute
            || ParserDiagnostics.AttributedDeclaration(attribute, context.CancellationToken) is not { } declaration)
        {
            return;
        }

        ParseResult<MessageModel> result = MessageParser.Parse(type, declaration, attribute, context.CancellationToken);
        ParserDiagnostics.Report(context, result.Diagnostics, declaration.SyntaxTree);
        if (shipped is null || attribute.ConstructorArguments.FirstOrDefault().Value is not int id)
        {
            return;
        }

        declared.TryAdd(id, type);
        if (result.Model is { } model && shipped.Entries.TryGetValue(id, out ShippedShapes.Entry? entry) && !entry.IsRetired)
        {
            var members = new List<(string, string)>(model.Members.Count);
            foreach (MemberModel member in model.Members)
            {
                members.Add((member.Name, TypeShapeParser.WireType(member.Shape)));
            }

            if (ShippedShapes.Compare(entry, members) is { } broken)
            {
                Location location = broken.Index >= 0 ? MemberLocation(type, members[broken.Index].Item1) ?? declaration.Identifier.GetLocation() : declaration.Identifier.GetLocation();
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ShippedShapeChanged, location, type.Name, id, broken.Problem));
            }
        }
    }

    private static void ReportShippedIds(CompilationAnalysisContext context, ShippedShapes shipped, ConcurrentDictionary<int, INamedTypeSymbol> declared)
    {
        foreach ((int line, string problem) in shipped.Problems)
        {
            Report(shipped.LineLocation(line), $"Line {line + 1} of {ShippedShapes.FileName} cannot be read: {problem}");
        }

        foreach (ShippedShapes.Entry entry in shipped.Entries.Values.OrderBy(static e => e.Line))
        {
            bool isDeclared = declared.TryGetValue(entry.Id, out INamedTypeSymbol? type);
            if (entry.IsRetired && isDeclared)
            {
                Report(type!.Locations.FirstOrDefault() ?? Location.None,
                    $"Message '{type.Name}' uses id {entry.Id}, which {ShippedShapes.FileName} lists as retired; deployed peers may still send the old message, so give it a new id");
            }
            else if (!entry.IsRetired && !isDeclared)
            {
                Report(shipped.LineLocation(entry.Line),
                    $"Message id {entry.Id} ('{entry.Name}') is listed in {ShippedShapes.FileName} but no message declares it; deployed peers may still send it, so keep it or mark the line '{entry.Id} retired'");
            }
        }

        void Report(Location location, string message) =>
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ShippedMessageMissing, location, message));
    }

    private static Location? MemberLocation(INamedTypeSymbol type, string name)
    {
        foreach (ISymbol member in type.GetMembers(name))
        {
            if (member is IPropertySymbol or IFieldSymbol && member.Locations.FirstOrDefault() is { IsInSource: true } location)
            {
                return location;
            }
        }

        return null;
    }
}
