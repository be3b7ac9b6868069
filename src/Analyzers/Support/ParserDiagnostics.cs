using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Analyzers.Support;

/// <summary>Turns what the shared generator parsers found into diagnostics at real source locations.</summary>
internal static class ParserDiagnostics
{
    public static void Report(SymbolAnalysisContext context, EquatableArray<DiagnosticInfo> problems, SyntaxTree hint)
    {
        foreach (DiagnosticInfo problem in problems)
        {
            object[] arguments = new object[problem.Arguments.Count];
            for (int i = 0; i < arguments.Length; i++)
            {
                arguments[i] = problem.Arguments[i];
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ForParserId(problem.Id), Resolve(problem.Location, context.Compilation, hint), arguments));
        }
    }

    /// <summary>The declaration of <paramref name="type"/> that carries <paramref name="attribute"/>.</summary>
    public static TypeDeclarationSyntax? AttributedDeclaration(AttributeData attribute, CancellationToken cancellationToken)
    {
        for (SyntaxNode? node = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken); node is not null; node = node.Parent)
        {
            if (node is TypeDeclarationSyntax declaration)
            {
                return declaration;
            }
        }

        return null;
    }

    // The parsers keep path + span (their results are cached by the generator); map them back onto
    // a tree of this compilation. Almost always the hint: members of partial types may live elsewhere.
    private static Location Resolve(LocationInfo? location, Compilation compilation, SyntaxTree hint)
    {
        if (location is null)
        {
            return Location.None;
        }

        if (hint.FilePath == location.FilePath)
        {
            return Location.Create(hint, location.Span);
        }

        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath == location.FilePath)
            {
                return Location.Create(tree, location.Span);
            }
        }

        return location.ToLocation();
    }
}
