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
using Microsoft.CodeAnalysis.Simplification;

namespace Tether.Analyzers.CodeFixes;

/// <summary>
/// TETH2004, TETH2010: marks a public method that looks like a handler method but is not dispatched
/// <c>[HandlerIgnore]</c>, saying it is a helper. (The other repair, declaring the message or the service method, is
/// the author's to write.)
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HandlerIgnoreCodeFix)), Shared]
public sealed class HandlerIgnoreCodeFix : DocumentEditorCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.HandlerParameterNotMessage.Id, Descriptors.HandlerMethodNotInService.Id);

    private protected override string Title => "Mark [HandlerIgnore] (a helper, not dispatched)";

    private protected override async Task ApplyAsync(DocumentEditor editor, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        SyntaxNode root = await editor.OriginalDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) ?? editor.OriginalRoot;
        if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is { } method)
        {
            // Fully qualified and left to the simplifier, so the fix compiles without a using for Tether.
            SyntaxNode attribute = editor.Generator.Attribute(SyntaxFactory.ParseName("global::Tether.HandlerIgnore")).WithAdditionalAnnotations(Simplifier.Annotation);
            editor.AddAttribute(method, attribute);
        }
    }
}
