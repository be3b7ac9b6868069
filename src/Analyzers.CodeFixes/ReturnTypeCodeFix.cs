using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Tether.Analyzers.CodeFixes;

/// <summary>A fix that only swaps the return type of the method a diagnostic sits in (each method on its own, so the batch Fix All merges them).</summary>
public abstract class ReturnTypeCodeFix : CodeFixProvider
{
    private protected abstract string Title { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method
                || NewReturnType(method) is not { } replacement)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method.ReturnType, replacement.WithTriviaFrom(method.ReturnType)))),
                    equivalenceKey: GetType().Name),
                diagnostic);
        }
    }

    /// <summary>The new return type, or null when this method has no mechanical fix.</summary>
    private protected abstract TypeSyntax? NewReturnType(MethodDeclarationSyntax method);
}
