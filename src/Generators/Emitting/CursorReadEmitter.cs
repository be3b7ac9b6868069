using System.Collections.Generic;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// The decoder's shortcuts over a message's runs and short strings (decision 0003, fourth pass): read groups inside
/// <c>ReadBody</c>, and for a small message a <c>ReadElementBody</c> compiled into its collections' loops with its
/// pooled run and its continuations. Every shortcut falls back to <see cref="MessageEmitter"/>'s checked read.
/// </summary>
internal static class CursorReadEmitter
{
    // What a run's check counts for a string: a one-byte header and ShortAscii.MaxLength (16) bytes. TetherReader.GetString
    // reads a longer one in place only when the segment also holds the bytes counted for the rest of the run ("rest").
    private const int ShortStringMaxSize = 1 + 16;

    // A message whose every member a cursor run can read (bounded members and strings), few enough to be compiled into a
    // collection's element loop: its ReadElementBody is that one run, every member present and no other, inlined there
    // (no call and no frame per element). A string it cannot read in place (not ASCII, null, over 126 bytes, or past the
    // segment) hands the rest of the message to a checked read from that string on (__TetherReadFrom{i}); too few bytes
    // left in the segment or another version's member count read the element on the checked path from its start
    // (__TetherReadChecked).
    // ReadBody stays a call: inlined into a single message's read, the run's frame cost more than it saved.
    private const int MaxWholeRunMembers = 8;

    internal static bool IsWholeRun(MessageModel model, List<MessageEmitter.Segment> segments)
    {
        if (model.Members.Count == 0 || model.Members.Count > MaxWholeRunMembers)
        {
            return false;
        }

        foreach (MessageEmitter.Segment segment in segments)
        {
            if (!IsShortStringCandidate(model, segment) && !(segment.IsRun && MessageEmitter.CanGet(model, segment)))
            {
                return false;
            }
        }

        return true;
    }

    internal static void EmitWholeRunRead(SourceWriter w, ValueEmitter values, MessageModel model, string contract, List<MessageEmitter.Segment> segments)
    {
        int offset = 1; // the member count, one byte
        int need = 1;
        bool hasString = false;
        var offsets = new int[model.Members.Count]; // each member's offset in the run at its predecessors' maximum sizes
        for (int i = 0; i < model.Members.Count; i++)
        {
            TypeShape shape = model.Members[i].Shape;
            bool isString = shape.Kind == ShapeKind.String;
            hasString |= isString;
            offsets[i] = offset;
            need = System.Math.Max(need, offset + (isString ? ShortStringMaxSize : ValueEmitter.CursorExtent(shape)));
            offset += isString ? ShortStringMaxSize : ValueEmitter.MaxSize(shape);
        }

        w.Line(KnownNames.GeneratedCode);
        w.Line(KnownNames.AggressiveInlining);
        w.Open($"static {model.FullyQualifiedName} {contract}.ReadElementBody(ref {KnownNames.Reader} reader)");
        w.Open($"if (reader.{(hasString ? "CanReadStringRun" : "HasContiguous")}({need}))");
        w.Line("ref byte __c = ref reader.BeginRun();");
        EmitWholeRun(w, model, i => $"GetString(ref __c, ref __n, {need - offsets[i] - ShortStringMaxSize})");
        w.Close();
        if (hasString)
        {
            // With a string pool, the same run with the pool's lookups, compiled on its own: its call there keeps the
            // common case's loop free of it.
            w.Open($"else if (reader.CanReadPooledStringRun({need}))");
            w.Line("return __TetherReadPooled(ref reader);");
            w.Close();
        }

        w.Line("return __TetherReadChecked(ref reader);");
        w.Close();
        if (hasString)
        {
            w.Line();
            w.Line(KnownNames.GeneratedCode);
            w.Line(KnownNames.NoInlining);
            w.Open($"private static {model.FullyQualifiedName} __TetherReadPooled(ref {KnownNames.Reader} reader)");
            w.Line("ref byte __c = ref reader.BeginRun();");
            EmitWholeRun(w, model, _ => "GetPooledShortString(ref __c, ref __n)");
            w.Line("return __TetherReadChecked(ref reader);");
            w.Close();
        }

        // A string the run cannot read in place: the run so far is committed and the rest of the message read from that
        // string on, checked, by a method of its own (not read again from the start).
        for (int i = 0; i < model.Members.Count; i++)
        {
            if (model.Members[i].Shape.Kind != ShapeKind.String)
            {
                continue;
            }

            w.Line();
            w.Line(KnownNames.GeneratedCode);
            w.Line(KnownNames.NoInlining);
            var parameters = new List<string> { $"ref {KnownNames.Reader} reader" };
            for (int j = 0; j < i; j++)
            {
                parameters.Add($"{model.Members[j].Shape.TypeName} __m{j}");
            }

            w.Open($"private static {model.FullyQualifiedName} __TetherReadFrom{i}({string.Join(", ", parameters)})");
            MessageEmitter.EmitReadStatements(w, values, model, segments, groups: [], continueFrom: i);
            w.Close();
        }
    }

    // The run after its check: the member count, then every member; a string it cannot read in place ends the run there
    // and the rest of the message is read by __TetherReadFrom{i}.
    private static void EmitWholeRun(SourceWriter w, MessageModel model, System.Func<int, string> getString)
    {
        w.Open($"if (__c == {model.Members.Count})");
        w.Line("int __n = 1;");
        for (int i = 0; i < model.Members.Count; i++)
        {
            TypeShape shape = model.Members[i].Shape;
            if (shape.Kind == ShapeKind.String)
            {
                w.Line($"{shape.TypeName} __m{i} = reader.{getString(i)};");
                w.Open($"if (__m{i} is null)");
                w.Line("reader.EndRun(__n);");
                var arguments = new List<string> { "ref reader" };
                for (int j = 0; j < i; j++)
                {
                    arguments.Add("__m" + j);
                }

                w.Line($"return __TetherReadFrom{i}({string.Join(", ", arguments)});");
                w.Close();
            }
            else
            {
                w.Line($"{shape.TypeName} __m{i} = {ValueEmitter.Get(shape)};");
            }
        }

        w.Line("reader.EndRun(__n);");
        EmitConstruction(w, model);
        w.Close();
    }

    // Every member read: construct, a failure of the message's own constructor or accessors leaving as a decode error.
    private static void EmitConstruction(SourceWriter w, MessageModel model)
    {
        w.Open("try");
        w.Line($"return {MessageEmitter.Construction(model, model.Members.Count)};");
        w.Close();
        w.Open($"catch (global::System.Exception __exception) when (__exception is not {KnownNames.TetherException})");
        w.Line("throw reader.ConstructionFailed(__exception);");
        w.Close();
    }

    // A read group: consecutive segments, each a run readable through a cursor or a string, with a string in it and at
    // least two segments. Read as one cursor run when the segment holds the group's maximum: one bounds check and one
    // commit instead of one per segment, the ASCII strings read in place (TetherReader.GetString); any other string
    // leaves the run at its own read below, and the code after it takes over.
    internal static List<(int First, int Last)> BuildReadGroups(MessageModel model, List<MessageEmitter.Segment> segments)
    {
        var groups = new List<(int First, int Last)>();
        int s = 0;
        while (s < segments.Count)
        {
            int first = s;
            bool hasString = false;
            while (s < segments.Count && (IsShortStringCandidate(model, segments[s]) || (segments[s].IsRun && MessageEmitter.CanGet(model, segments[s]))))
            {
                hasString |= IsShortStringCandidate(model, segments[s]);
                s++;
            }

            if (hasString && s - first >= 2)
            {
                groups.Add((first, s - 1));
            }

            s = System.Math.Max(s, first + 1);
        }

        return groups;
    }

    internal static bool IsShortStringCandidate(MessageModel model, MessageEmitter.Segment segment) =>
        !segment.IsRun && model.Members[segment.Members[0]].Shape.Kind == ShapeKind.String;

    internal static void EmitReadGroup(SourceWriter w, MessageModel model, List<MessageEmitter.Segment> segments, (int First, int Last) group)
    {
        // The bytes the cursor may touch: each member at its predecessors' maximum sizes plus its own extent.
        int offset = 0;
        int need = 0;
        int last = 0;
        var offsets = new Dictionary<int, int>(); // each member's offset in the run at its predecessors' maximum sizes
        for (int s = group.First; s <= group.Last; s++)
        {
            foreach (int i in segments[s].Members)
            {
                TypeShape shape = model.Members[i].Shape;
                bool isString = shape.Kind == ShapeKind.String;
                offsets[i] = offset;
                need = System.Math.Max(need, offset + (isString ? ShortStringMaxSize : ValueEmitter.CursorExtent(shape)));
                offset += isString ? ShortStringMaxSize : ValueEmitter.MaxSize(shape);
                last = i;
            }
        }

        w.Open($"if (__count > {last} && reader.CanReadStringRun({need}))");
        w.Line("ref byte __c = ref reader.BeginRun();");
        w.Line("int __n = 0;");
        for (int s = group.First; s <= group.Last; s++)
        {
            foreach (int i in segments[s].Members)
            {
                if (IsShortStringCandidate(model, segments[s]))
                {
                    w.Open($"if ((__m{i} = reader.GetString(ref __c, ref __n, {need - offsets[i] - ShortStringMaxSize})) is null)");
                    w.Line("reader.EndRun(__n);");
                    w.Line($"goto __read{i};");
                    w.Close();
                }
                else
                {
                    w.Line($"__m{i} = {ValueEmitter.Get(model.Members[i].Shape)};");
                }
            }
        }

        w.Line("reader.EndRun(__n);");
        w.Line($"goto __read{last + 1};");
        w.Close();
    }
}
