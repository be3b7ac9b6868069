using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Tether.Analyzers.CodeFixes;

/// <summary>ValueTask return types written fully qualified, then simplified against the file's usings.</summary>
internal static class ReturnTypes
{
    public static TypeSyntax ValueTask() =>
        Simplify(SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.ValueTask"));

    public static TypeSyntax ValueTaskOf(TypeSyntax result) =>
        Simplify(SyntaxFactory.QualifiedName(
            SyntaxFactory.ParseName("global::System.Threading.Tasks"),
            SyntaxFactory.GenericName(SyntaxFactory.Identifier("ValueTask"), SyntaxFactory.TypeArgumentList(SyntaxFactory.SingletonSeparatedList(result.WithoutTrivia())))));

    private static TypeSyntax Simplify(TypeSyntax type) => type.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
}
