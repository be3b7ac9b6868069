using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace Tether.Analyzers.CodeFixes;

/// <summary>
/// A fix offered for every diagnostic it is given and applied through one <see cref="DocumentEditor"/> per document, so a
/// single fix and Fix All run the same edit (<see cref="DocumentFixAll"/>).
/// </summary>
public abstract class DocumentEditorCodeFix : CodeFixProvider
{
    private protected abstract string Title { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => DocumentFixAll.Create(ApplyAsync);

    /// <inheritdoc />
    public sealed override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    token => DocumentFixAll.ApplyOneAsync(context.Document, diagnostic, ApplyAsync, token),
                    equivalenceKey: GetType().Name),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    /// <summary>Records the fix of <paramref name="diagnostic"/> in <paramref name="editor"/>.</summary>
    private protected abstract Task ApplyAsync(DocumentEditor editor, Diagnostic diagnostic, CancellationToken cancellationToken);
}
