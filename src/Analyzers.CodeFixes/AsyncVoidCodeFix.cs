using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Tether.Analyzers.CodeFixes;

/// <summary>TETH2002 on an <c>async void</c> handler method: returns <c>ValueTask</c> instead.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFix)), Shared]
public sealed class AsyncVoidCodeFix : ReturnTypeCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.HandlerMethodNotDispatchable.Id);

    private protected override string Title => "Return ValueTask instead of void";

    // TETH2002 has many causes; only async void has one obvious repair.
    private protected override TypeSyntax? NewReturnType(MethodDeclarationSyntax method) =>
        method.Modifiers.Any(SyntaxKind.AsyncKeyword) && method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword }
            ? ReturnTypes.ValueTask()
            : null;
}
