using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;
using Tether.Analyzers.Performance;

namespace Tether.Analyzers.CodeFixes;

/// <summary>
/// TETH3001: <c>t.Result</c> → <c>await t</c>, <c>t.Wait()</c> and <c>t.GetAwaiter().GetResult()</c> →
/// <c>await t</c>, <c>Thread.Sleep(x)</c> → <c>await Task.Delay(x)</c>, where the enclosing method can be
/// async: it already is, or it is a handler method returning <c>void</c> or a message, which becomes
/// <c>async ValueTask</c> / <c>async ValueTask&lt;TMessage&gt;</c> (both still dispatchable).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitInsteadOfBlockingCodeFix)), Shared]
public sealed class AwaitInsteadOfBlockingCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.BlockingCallInHandler.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => DocumentFixAll.Create(ApplyAsync);

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Plan(root, model, diagnostic, context.CancellationToken) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Await instead of blocking",
                        token => DocumentFixAll.ApplyOneAsync(context.Document, diagnostic, ApplyAsync, token),
                        equivalenceKey: nameof(AwaitInsteadOfBlockingCodeFix)),
                    diagnostic);
            }
        }
    }

    private static Task ApplyAsync(DocumentEditor editor, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Plan(editor.OriginalRoot, editor.SemanticModel, diagnostic, cancellationToken) is { } plan)
        {
            editor.ReplaceNode(plan.Blocking, plan.Awaited.WithTriviaFrom(plan.Blocking));
            editor.ReplaceNode(plan.Function, static (node, _) => MakeAsync(node));
        }

        return Task.CompletedTask;
    }

    private static (SyntaxNode Blocking, ExpressionSyntax Awaited, SyntaxNode Function)? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(BlockingCallAnalyzer.KindProperty, out string? kindText)
            || !System.Enum.TryParse(kindText, out BlockingKind kind)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax blocking
            || Rewrite(blocking, kind) is not { } awaited)
        {
            return null;
        }

        SyntaxNode? function = blocking.Ancestors().FirstOrDefault(static n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
        if (function is null || blocking.Ancestors().TakeWhile(n => n != function).Any(static n => n is LockStatementSyntax))
        {
            return null; // await is not allowed inside lock
        }

        bool isAsync = function switch
        {
            MethodDeclarationSyntax m => m.Modifiers.Any(SyntaxKind.AsyncKeyword),
            LocalFunctionStatementSyntax l => l.Modifiers.Any(SyntaxKind.AsyncKeyword),
            AnonymousFunctionExpressionSyntax a => a.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
            _ => false,
        };
        return isAsync || (function is MethodDeclarationSyntax method && CanBecomeAsync(method, model, cancellationToken))
            ? (blocking, awaited, function)
            : null;
    }

    // A handler method (first parameter a [Message]) returning void or a message: as async ValueTask(<T>)
    // it dispatches the same way. Anything else would change what callers get back.
    private static bool CanBecomeAsync(MethodDeclarationSyntax method, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetDeclaredSymbol(method, cancellationToken) is not { } symbol || symbol.Parameters.Length == 0
            || symbol.Parameters.Any(static p => p.RefKind != RefKind.None)
            || !IsMessage(symbol.Parameters[0].Type))
        {
            return false;
        }

        return symbol.ReturnsVoid || IsMessage(symbol.ReturnType);
    }

    private static bool IsMessage(ITypeSymbol type) =>
        type.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == "Tether.MessageAttribute");

    private static ExpressionSyntax? Rewrite(ExpressionSyntax blocking, BlockingKind kind)
    {
        switch (kind)
        {
            case BlockingKind.Result when blocking is MemberAccessExpressionSyntax access:
                return Await(access.Expression, parenthesize: true);
            case BlockingKind.Wait when blocking is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access }:
                return Await(access.Expression, parenthesize: false);
            case BlockingKind.GetResult when blocking is InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax
                {
                    Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } getAwaiter }
                },
            }:
                return Await(getAwaiter.Expression, parenthesize: false);
            case BlockingKind.Sleep when blocking is InvocationExpressionSyntax sleep:
                ExpressionSyntax delay = SyntaxFactory.ParseExpression("global::System.Threading.Tasks.Task.Delay").WithAdditionalAnnotations(Simplifier.Annotation);
                return Await(SyntaxFactory.InvocationExpression(delay, sleep.ArgumentList), parenthesize: false);
            default:
                return null;
        }
    }

    // `(await t)` keeps `t.Result.Length` meaning the same; the simplifier drops parentheses it does not need.
    private static ExpressionSyntax Await(ExpressionSyntax task, bool parenthesize)
    {
        ExpressionSyntax awaited = SyntaxFactory.AwaitExpression(task.WithoutTrivia());
        return parenthesize ? SyntaxFactory.ParenthesizedExpression(awaited).WithAdditionalAnnotations(Simplifier.Annotation) : awaited;
    }

    private static SyntaxNode MakeAsync(SyntaxNode function)
    {
        switch (function)
        {
            case MethodDeclarationSyntax method when !method.Modifiers.Any(SyntaxKind.AsyncKeyword):
                TypeSyntax returnType = method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword }
                    ? ReturnTypes.ValueTask()
                    : ReturnTypes.ValueTaskOf(method.ReturnType);
                SyntaxToken asyncKeyword = SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space);
                if (method.Modifiers.Count == 0)
                {
                    asyncKeyword = asyncKeyword.WithLeadingTrivia(method.ReturnType.GetLeadingTrivia());
                    returnType = returnType.WithTrailingTrivia(method.ReturnType.GetTrailingTrivia());
                }
                else
                {
                    returnType = returnType.WithTriviaFrom(method.ReturnType);
                }

                return method.WithReturnType(returnType).WithModifiers(method.Modifiers.Add(asyncKeyword));
            default:
                return function;
        }
    }
}
