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
    private const int MaxMessageId = 0x3FFF_FFFF;

    public static ParseResult<MessageModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        Location location = syntax.Identifier.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;

        ImmutableArray<TypedConstant> arguments = context.Attributes[0].ConstructorArguments;
        int id = arguments.Length == 1 && arguments[0].Value is int value ? value : 0;
        if (id < 1 || id > MaxMessageId)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.MessageIdOutOfRange, location, name, id.ToString()));
        }

        if (!Declarations.AllPartial(syntax))
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.MessageNotPartial, location, name));
        }

        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.GenericMessage, location, name));
            return new(null, diagnostics.ToEquatableArray());
        }

        List<MessageMembers.Candidate>? candidates = MessageMembers.Collect(type, cancellationToken, out IMethodSymbol? constructor);
        var members = new List<MemberModel>();
        if (candidates is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.MessageNotConstructible, location, name));
        }
        else
        {
            foreach (MessageMembers.Candidate candidate in candidates)
            {
                TypeShape? shape = TypeShapeParser.Parse(candidate.Type, cancellationToken);
                if (shape is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        GeneratorDiagnostics.UnsupportedMemberType, candidate.Location ?? location, candidate.Name, name, candidate.Type.ToDisplayString()));
                    continue;
                }

                members.Add(new MemberModel(candidate.Name, shape, candidate.ConstructorIndex));
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
