using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Facts about type declarations shared by the message and handler parsers.</summary>
internal static class Declarations
{
    public static TypeDeclaration Describe(TypeDeclarationSyntax syntax)
    {
        string keyword = syntax switch
        {
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };
        return new TypeDeclaration(keyword, syntax.Identifier.ValueText + (syntax.TypeParameterList?.ToString() ?? string.Empty));
    }

    /// <summary>Whether the type and every type containing it are declared partial.</summary>
    public static bool AllPartial(TypeDeclarationSyntax syntax)
    {
        for (SyntaxNode? node = syntax; node is not null; node = node.Parent)
        {
            if (node is TypeDeclarationSyntax type && !type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    public static EquatableArray<TypeDeclaration> ContainingTypes(TypeDeclarationSyntax syntax)
    {
        var result = new List<TypeDeclaration>();
        for (SyntaxNode? node = syntax.Parent; node is TypeDeclarationSyntax type; node = node.Parent)
        {
            result.Insert(0, Describe(type));
        }

        return result.ToEquatableArray();
    }

    public static string Namespace(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty;

    public static string HintName(INamedTypeSymbol type, string suffix) =>
        TypeShapeParser.MetadataName(type).Replace('+', '.').Replace('`', '_') + "." + suffix + ".g.cs";
}
