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

/// <summary>
/// TETH3003 on an <c>async</c> handler method: <c>Task</c> becomes <c>ValueTask</c>, <c>Task&lt;T&gt;</c>
/// becomes <c>ValueTask&lt;T&gt;</c>. An <c>async</c> body needs no other change; a method that returns
/// tasks it built itself is left to the user.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ValueTaskReturnCodeFix)), Shared]
public sealed class ValueTaskReturnCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.HandlerReturnsTask.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method
                || !method.Modifiers.Any(SyntaxKind.AsyncKeyword))
            {
                continue;
            }

            TypeSyntax replacement = method.ReturnType switch
            {
                GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic => ReturnTypes.ValueTaskOf(generic.TypeArgumentList.Arguments[0]),
                QualifiedNameSyntax { Right: GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic } => ReturnTypes.ValueTaskOf(generic.TypeArgumentList.Arguments[0]),
                _ => ReturnTypes.ValueTask(),
            };
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Return ValueTask",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method.ReturnType, replacement.WithTriviaFrom(method.ReturnType)))),
                    equivalenceKey: nameof(ValueTaskReturnCodeFix)),
                diagnostic);
        }
    }
}
