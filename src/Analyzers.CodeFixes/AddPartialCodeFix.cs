using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace Tether.Analyzers.CodeFixes;

/// <summary>TETH1001, TETH2001, TETH2009: declares the message, handler or service interface, and every type containing it, <c>partial</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialCodeFix)), Shared]
public sealed class AddPartialCodeFix : DocumentEditorCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MessageNotPartial.Id, Descriptors.HandlerNotPartial.Id, Descriptors.ServiceNotPartial.Id);

    private protected override string Title => "Make partial";

    private protected override async Task ApplyAsync(DocumentEditor editor, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        SyntaxNode root = await editor.OriginalDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) ?? editor.OriginalRoot;
        TypeDeclarationSyntax? type = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        for (TypeDeclarationSyntax? current = type; current is not null; current = current.Parent as TypeDeclarationSyntax)
        {
            if (!current.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                // Through the callback, so a container already made partial by another fix is left as is.
                editor.ReplaceNode(current, static (node, generator) =>
                    ((TypeDeclarationSyntax)node).Modifiers.Any(SyntaxKind.PartialKeyword)
                        ? node
                        : generator.WithModifiers(node, generator.GetModifiers(node).WithPartial(true)));
            }
        }
    }
}
