using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace Tether.Analyzers.CodeFixes;

/// <summary>
/// Fix All for fixes whose edits can touch a shared node (two messages in one non-partial container,
/// two blocking calls in one method): every diagnostic of a document is applied through one
/// <see cref="DocumentEditor"/>, so shared edits happen once instead of conflicting.
/// </summary>
internal static class DocumentFixAll
{
    public static FixAllProvider Create(Func<DocumentEditor, Diagnostic, CancellationToken, Task> apply) =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            DocumentEditor editor = await DocumentEditor.CreateAsync(document, context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in diagnostics)
            {
                await apply(editor, diagnostic, context.CancellationToken).ConfigureAwait(false);
            }

            return editor.GetChangedDocument();
        });

    /// <summary>Applies one diagnostic's fix with the same code path as Fix All.</summary>
    public static async Task<Document> ApplyOneAsync(Document document, Diagnostic diagnostic, Func<DocumentEditor, Diagnostic, CancellationToken, Task> apply, CancellationToken cancellationToken)
    {
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        await apply(editor, diagnostic, cancellationToken).ConfigureAwait(false);
        return editor.GetChangedDocument();
    }

    public static ImmutableArray<string> Ids(params string[] ids) => ImmutableArray.Create(ids);
}
