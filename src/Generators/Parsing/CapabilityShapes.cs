using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Collects the shapes of a handler's messages, and of messages nested in them, for its capability declaration.</summary>
internal static class CapabilityShapes
{
    public static EquatableArray<MessageShapeModel> Collect(IEnumerable<INamedTypeSymbol> roots, CancellationToken cancellationToken)
    {
        var shapes = new SortedDictionary<int, MessageShapeModel>();
        var pending = new Queue<INamedTypeSymbol>(roots);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamedTypeSymbol type = pending.Dequeue();
            if (!TypeShapeParser.TryGetMessageId(type, out int id) || shapes.ContainsKey(id))
            {
                continue;
            }

            var members = new List<MemberShapeModel>();
            List<MessageMembers.Candidate>? candidates = MessageMembers.Collect(type, cancellationToken, out _);
            foreach (MessageMembers.Candidate candidate in candidates ?? [])
            {
                TypeShape? shape = TypeShapeParser.Parse(candidate.Type, cancellationToken);
                var enums = new List<EnumShapeModel>();
                if (shape is not null)
                {
                    CollectEnums(candidate.Type, enums);
                }

                members.Add(new MemberShapeModel(candidate.Name, shape is null ? "unsupported" : TypeShapeParser.WireType(shape), enums.ToEquatableArray()));
                EnqueueNested(candidate.Type, pending);
            }

            shapes.Add(id, new MessageShapeModel(id, TypeShapeParser.TypeName(type), members.ToEquatableArray()));
        }

        return shapes.Values.ToEquatableArray();
    }

    // The enums of a member's type, left to right as the schema notation writes them: an array's element, then a generic
    // type's arguments in order (a dictionary's key before its value, as in map<key,value>); a nested message has its own shape.
    private static void CollectEnums(ITypeSymbol type, List<EnumShapeModel> enums)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                CollectEnums(array.ElementType, enums);
                break;
            case INamedTypeSymbol { TypeKind: TypeKind.Enum } named:
                enums.Add(DescribeEnum(named));
                break;
            case INamedTypeSymbol named when !TypeShapeParser.TryGetMessageId(named, out _):
                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    CollectEnums(argument, enums);
                }

                break;
        }
    }

    private static EnumShapeModel DescribeEnum(INamedTypeSymbol type)
    {
        var names = new List<string>();
        var values = new List<long>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsConst: true, ConstantValue: { } value } field)
            {
                names.Add(field.Name);
                values.Add(value is ulong large ? unchecked((long)large) : System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        bool isFlags = type.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
        return new EnumShapeModel(type.ToDisplayString(), isFlags, names.ToEquatableArray(), values.ToEquatableArray());
    }

    private static void EnqueueNested(ITypeSymbol type, Queue<INamedTypeSymbol> pending)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                EnqueueNested(array.ElementType, pending);
                break;
            case INamedTypeSymbol named:
                if (TypeShapeParser.TryGetMessageId(named, out _))
                {
                    pending.Enqueue(named);
                }

                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    EnqueueNested(argument, pending);
                }

                break;
        }
    }
}
