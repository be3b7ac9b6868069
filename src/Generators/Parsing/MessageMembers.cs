using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Finds a message's encoded members and the constructor the decoder builds it with.</summary>
/// <remarks>
/// Encoded: public instance properties and fields declared on the type itself, in declaration order,
/// that the decoder can set (a setter, an <c>init</c> accessor, a writable field, or a matching
/// constructor parameter), minus <c>[MessageIgnore]</c>. Get-only members with no matching
/// constructor parameter are computed values and are not encoded.
/// </remarks>
internal static class MessageMembers
{
    internal sealed class Candidate
    {
        public Candidate(string name, ITypeSymbol type, bool settable, bool hasInitializer, Location? location)
        {
            Name = name;
            Type = type;
            Settable = settable;
            HasInitializer = hasInitializer;
            Location = location;
        }

        public string Name { get; }

        public ITypeSymbol Type { get; }

        public bool Settable { get; }

        /// <summary>
        /// Whether the declaration has an initializer (<c>= value</c>), which construction applies when the decoder does
        /// not set the member (never for a <c>required</c> member: an object initializer must always set it).
        /// </summary>
        public bool HasInitializer { get; }

        public Location? Location { get; }

        public int ConstructorIndex { get; set; } = -1;

        /// <summary>The bound constructor parameter's default as a C# constant expression, when it has one that is not <c>default(T)</c>.</summary>
        public string? AbsentValue { get; set; }
    }

    /// <summary>The members to encode, with the constructor that binds them (null: none usable).</summary>
    public static List<Candidate>? Collect(INamedTypeSymbol type, CancellationToken cancellationToken, out IMethodSymbol? constructor)
    {
        var all = new List<Candidate>();
        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsStatic || member.IsImplicitlyDeclared || member.DeclaredAccessibility != Accessibility.Public || IsIgnored(member))
            {
                continue;
            }

            switch (member)
            {
                case IPropertySymbol { IsIndexer: false, GetMethod: not null } property:
                    all.Add(new Candidate(property.Name, property.Type, property.SetMethod is not null, !property.IsRequired && HasInitializer(property, cancellationToken), property.Locations.FirstOrDefault()));
                    break;
                case IFieldSymbol { IsConst: false } field:
                    all.Add(new Candidate(field.Name, field.Type, !field.IsReadOnly, !field.IsRequired && HasInitializer(field, cancellationToken), field.Locations.FirstOrDefault()));
                    break;
            }
        }

        constructor = ChooseConstructor(type, all);
        if (constructor is null)
        {
            return null;
        }

        for (int i = 0; i < constructor.Parameters.Length; i++)
        {
            IParameterSymbol parameter = constructor.Parameters[i];
            Candidate bound = all.First(c => Matches(c, parameter));
            bound.ConstructorIndex = i;
            bound.AbsentValue = parameter.HasExplicitDefaultValue ? ConstantLiterals.Format(parameter.ExplicitDefaultValue, parameter.Type) : null;
        }

        return all.Where(static c => c.Settable || c.ConstructorIndex >= 0).ToList();
    }

    // Declared with "= value" in any of its declarations (a positional record's property is declared by its parameter).
    private static bool HasInitializer(ISymbol member, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            SyntaxNode node = reference.GetSyntax(cancellationToken);
            if (node is PropertyDeclarationSyntax { Initializer: not null } or VariableDeclaratorSyntax { Initializer: not null })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsIgnored(ISymbol member) =>
        member.GetAttributes().Any(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MessageIgnoreAttribute);

    // The constructor with the most parameters that all bind to members by name and type; a
    // parameterless one (always there for structs) when no other fits. Records' copy constructors never fit.
    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<Candidate> members)
    {
        IMethodSymbol? best = null;
        foreach (IMethodSymbol ctor in type.InstanceConstructors)
        {
            bool allBind = ctor.Parameters.All(p => members.Any(m => Matches(m, p)));
            if (allBind && (best is null || ctor.Parameters.Length > best.Parameters.Length))
            {
                best = ctor;
            }
        }

        return best;
    }

    private static bool Matches(Candidate member, IParameterSymbol parameter) =>
        parameter.RefKind == RefKind.None
        && string.Equals(member.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
        && SymbolEqualityComparer.Default.Equals(member.Type.WithNullableAnnotation(NullableAnnotation.None), parameter.Type.WithNullableAnnotation(NullableAnnotation.None));
}
