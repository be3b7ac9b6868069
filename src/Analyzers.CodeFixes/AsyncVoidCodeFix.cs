using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Tether.Analyzers.CodeFixes;

/// <summary>TETH2002 on an <c>async void</c> handler method: returns <c>ValueTask</c> instead.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFix)), Shared]
public sealed class AsyncVoidCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.HandlerMethodNotDispatchable.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // TETH2002 has many causes; only async void has one obvious repair.
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method
                || !method.Modifiers.Any(SyntaxKind.AsyncKeyword)
                || method.ReturnType is not PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Return ValueTask instead of void",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method.ReturnType, ReturnTypes.ValueTask().WithTriviaFrom(method.ReturnType)))),
                    equivalenceKey: nameof(AsyncVoidCodeFix)),
                diagnostic);
        }
    }
}
