using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
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
public sealed class ValueTaskReturnCodeFix : ReturnTypeCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.HandlerReturnsTask.Id);

    private protected override string Title => "Return ValueTask";

    private protected override TypeSyntax? NewReturnType(MethodDeclarationSyntax method) =>
        !method.Modifiers.Any(SyntaxKind.AsyncKeyword)
            ? null
            : method.ReturnType switch
            {
                GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic => ReturnTypes.ValueTaskOf(generic.TypeArgumentList.Arguments[0]),
                QualifiedNameSyntax { Right: GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic } => ReturnTypes.ValueTaskOf(generic.TypeArgumentList.Arguments[0]),
                _ => ReturnTypes.ValueTask(),
            };
}
