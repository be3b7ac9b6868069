using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Turns a type marked <c>[Message]</c> into a <see cref="MessageModel"/> or diagnostics.</summary>
internal static class MessageParser
{
    /// <summary>The largest id a user may give a message; larger ids are reserved for the framework.</summary>
    public const int MaxMessageId = 0x3FFF_FFFF;

    public static ParseResult<MessageModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], cancellationToken);

    /// <summary>Parses one declaration of a message type (the analyzer calls this with the symbol it is given).</summary>
    public static ParseResult<MessageModel> Parse(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData attribute, CancellationToken cancellationToken)
    {
        Location location = syntax.Identifier.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;

        ImmutableArray<TypedConstant> arguments = attribute.ConstructorArguments;
        int id = arguments.Length == 1 && arguments[0].Value is int value ? value : 0;
        if (id < 1 || id > MaxMessageId)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.MessageIdOutOfRange, location, name, id.ToString()));
        }

        if (!Declarations.AllPartial(syntax))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.MessageNotPartial, location, name));
        }

        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.GenericMessage, location, name));
            return new(null, diagnostics.ToEquatableArray());
        }

        List<MessageMembers.Candidate>? candidates = MessageMembers.Collect(type, cancellationToken, out IMethodSymbol? constructor);
        var members = new List<MemberModel>();
        if (candidates is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.MessageNotConstructible, location, name));
        }
        else
        {
            foreach (MessageMembers.Candidate candidate in candidates)
            {
                TypeShape? shape = TypeShapeParser.Parse(candidate.Type, cancellationToken);
                if (shape is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticIds.UnsupportedMemberType, candidate.Location ?? location, candidate.Name, name, candidate.Type.ToDisplayString()));
                    continue;
                }

                members.Add(new MemberModel(candidate.Name, shape, candidate.ConstructorIndex, candidate.AbsentValue, candidate.HasInitializer));
            }
        }

        if (diagnostics.Count > 0)
        {
            return new(null, diagnostics.ToEquatableArray());
        }

        var model = new MessageModel(
            Declarations.Namespace(type),
            Declarations.HintName(type, "Codec"),
            Declarations.Describe(syntax),
            TypeShapeParser.TypeName(type),
            Declarations.ContainingTypes(syntax),
            id,
            type.IsValueType,
            constructor!.Parameters.Length,
            members.ToEquatableArray());
        return new(model, EquatableArray<DiagnosticInfo>.Empty);
    }
}
