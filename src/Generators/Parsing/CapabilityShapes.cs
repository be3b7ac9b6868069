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
                members.Add(new MemberShapeModel(candidate.Name, shape is null ? "unsupported" : TypeShapeParser.WireType(shape)));
                EnqueueNested(candidate.Type, pending);
            }

            shapes.Add(id, new MessageShapeModel(id, TypeShapeParser.TypeName(type), members.ToEquatableArray()));
        }

        return shapes.Values.ToEquatableArray();
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
