using System.Collections.Generic;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits a message's codec: <c>IMessage&lt;T&gt;</c> implemented explicitly with WriteBody, ReadBody and
/// GetBodySize. Consecutive bounded members form a run written after one <c>Reserve</c> and read after
/// one <c>HasContiguous</c> check.
/// </summary>
internal static class MessageEmitter
{
    internal sealed class Segment
    {
        public List<int> Members { get; } = [];

        public bool IsRun { get; set; }

        public int MaxSize { get; set; }

        /// <summary>Contiguous bytes the unchecked read of the whole run needs: every member may start
        /// at its predecessors' maximum sizes, and needs its own <see cref="ValueEmitter.ContiguousNeed"/> there.</summary>
        public int ReadNeed { get; set; }
    }

    public static string Emit(MessageModel model)
    {
        var w = new SourceWriter();
        var values = new ValueEmitter();
        string self = model.FullyQualifiedName;
        string contract = $"{KnownNames.IMessage}<{self}>";
        List<Segment> segments = BuildSegments(model);

        SourceFile.Open(w, model.Namespace, model.ContainingTypes);
        w.Open($"partial {model.Type.Keyword} {model.Type.Name} : {contract}");

        w.Line(KnownNames.GeneratedCode);
        w.Line($"static int {contract}.MessageId => {model.Id};");
        w.Line();
        EmitWrite(w, values, model, contract, segments);
        w.Line();
        EmitRead(w, values, model, contract, segments);
        w.Line();
        EmitSize(w, values, model, contract);
        values.EmitHelpers(w);

        w.Close();
        SourceFile.Close(w, model.Namespace, model.ContainingTypes);
        return w.ToString();
    }

    private static List<Segment> BuildSegments(MessageModel model)
    {
        var segments = new List<Segment>();
        Segment? run = null;
        for (int i = 0; i < model.Members.Count; i++)
        {
            TypeShape shape = model.Members[i].Shape;
            if (ValueEmitter.IsBounded(shape))
            {
                if (run is null)
                {
                    run = new Segment { IsRun = true };
                    segments.Add(run);
                }

                run.Members.Add(i);
                run.ReadNeed = System.Math.Max(run.ReadNeed, run.MaxSize + ValueEmitter.ContiguousNeed(shape));
                run.MaxSize += ValueEmitter.MaxSize(shape);
            }
            else
            {
                run = null;
                var single = new Segment();
                single.Members.Add(i);
                segments.Add(single);
            }
        }

        return segments;
    }

    private static string Access(MessageModel model, int index) => "value." + ValueEmitter.Identifier(model.Members[index].Name);

    private static void EmitWrite(SourceWriter w, ValueEmitter values, MessageModel model, string contract, List<Segment> segments)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Line(KnownNames.AggressiveInlining); // inlined into WriteMessage's loop over a collection: no call per element
        w.Open($"static void {contract}.WriteBody(ref {KnownNames.Writer} writer, in {model.FullyQualifiedName} value)");
        int countSize = VarIntSize(model.Members.Count);
        bool firstIsRun = segments.Count > 0 && segments[0].IsRun;
        bool firstIsPut = firstIsRun && CanPut(model, segments[0]);
        if (firstIsPut)
        {
            // The member count opens the first run.
            w.OpenBlock();
            // A member count of 128 or more is a multi-byte varint, stored as one 8-byte word.
            int firstSize = countSize + RunSize(model, segments[0]);
            w.Line($"ref byte __c = ref writer.BeginRun({(countSize > 1 ? System.Math.Max(firstSize, 8) : firstSize)});");
            w.Line($"int __n = {KnownNames.Writer}.PutVarUInt32(ref __c, {model.Members.Count}u);");
        }
        else
        {
            w.Line($"writer.Reserve({countSize + (firstIsRun ? segments[0].MaxSize : 0)});");
            w.Line($"writer.UncheckedWriteVarUInt32({model.Members.Count}u);");
        }

        for (int s = 0; s < segments.Count; s++)
        {
            Segment segment = segments[s];
            if (segment.IsRun && (s == 0 ? firstIsPut : CanPut(model, segment)))
            {
                // Through a local cursor, committed once (TetherWriter.BeginRun explains why).
                if (s > 0)
                {
                    w.OpenBlock();
                    w.Line($"ref byte __c = ref writer.BeginRun({RunSize(model, segment)});");
                    w.Line("int __n = 0;");
                }

                foreach (int i in segment.Members)
                {
                    values.Put(w, model.Members[i].Shape, Access(model, i));
                }

                w.Line("writer.EndRun(__n);");
                w.Close();
            }
            else if (segment.IsRun)
            {
                if (s > 0)
                {
                    w.Line($"writer.Reserve({segment.MaxSize});");
                }

                foreach (int i in segment.Members)
                {
                    values.UncheckedWrite(w, model.Members[i].Shape, Access(model, i));
                }
            }
            else
            {
                values.Write(w, model.Members[segment.Members[0]].Shape, Access(model, segment.Members[0]));
            }
        }

        w.Close();
    }

    // What a run written through Put reserves: its maximum size, plus what a varint's 8-byte word store can reach past
    // it (none when the members after the varint reserve that much anyway, as in most runs).
    private static int RunSize(MessageModel model, Segment run)
    {
        int remaining = run.MaxSize;
        int overrun = 0;
        foreach (int i in run.Members)
        {
            TypeShape shape = model.Members[i].Shape;
            overrun = System.Math.Max(overrun, ValueEmitter.CursorExtent(shape) - remaining);
            remaining -= ValueEmitter.MaxSize(shape);
        }

        return run.MaxSize + overrun;
    }

    private static bool CanPut(MessageModel model, Segment run)
    {
        foreach (int i in run.Members)
        {
            if (!ValueEmitter.CanPut(model.Members[i].Shape))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool CanGet(MessageModel model, Segment run)
    {
        foreach (int i in run.Members)
        {
            if (!ValueEmitter.CanGet(model.Members[i].Shape))
            {
                return false;
            }
        }

        return true;
    }

    private static void EmitRead(SourceWriter w, ValueEmitter values, MessageModel model, string contract, List<Segment> segments)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Open($"static {model.FullyQualifiedName} {contract}.ReadBody(ref {KnownNames.Reader} reader)");
        bool wholeRun = CursorReadEmitter.IsWholeRun(model, segments);
        EmitReadStatements(w, values, model, segments, wholeRun ? [] : CursorReadEmitter.BuildReadGroups(model, segments));
        w.Close();
        if (wholeRun)
        {
            w.Line();
            CursorReadEmitter.EmitWholeRunRead(w, values, model, contract, segments);
            w.Line();
            w.Line(KnownNames.GeneratedCode);
            w.Line(KnownNames.NoInlining);
            w.Open($"private static {model.FullyQualifiedName} __TetherReadChecked(ref {KnownNames.Reader} reader)");
            EmitReadStatements(w, values, model, segments, groups: []);
            w.Close();
        }
    }

    // The checked read of a message body; or, with continueFrom, a whole run's continuation: the members before it are
    // the method's parameters and the member count was read as this version's.
    internal static void EmitReadStatements(SourceWriter w, ValueEmitter values, MessageModel model, List<Segment> segments, List<(int First, int Last)> groups, int? continueFrom = null)
    {
        int firstMember = continueFrom ?? 0;
        for (int i = firstMember; i < model.Members.Count; i++)
        {
            // A member the writer did not know yet keeps this value: its constructor parameter's default, if it has one.
            w.Line($"{model.Members[i].Shape.TypeName} __m{i} = {model.Members[i].AbsentValue ?? "default!"};");
        }

        w.Line(continueFrom is null ? "int __count = reader.ReadMemberCount();" : $"int __count = {model.Members.Count};");
        int group = 0;
        for (int s = 0; s < segments.Count; s++)
        {
            Segment segment = segments[s];
            if (segment.Members[0] < firstMember)
            {
                continue; // a string always starts a segment: the continuation starts at one
            }

            if (group < groups.Count && groups[group].First == s)
            {
                CursorReadEmitter.EmitReadGroup(w, model, segments, groups[group]);
            }
            else if (group > 0 && groups[group - 1].Last == s - 1)
            {
                w.Line($"__read{segment.Members[0]}:"); // where the group before this segment ends when read through its cursor
            }

            if (group < groups.Count && s >= groups[group].First && CursorReadEmitter.IsShortStringCandidate(model, segment))
            {
                w.Line($"__read{segment.Members[0]}:"); // where its cursor read leaves this string to ReadString
            }

            if (group < groups.Count && groups[group].Last == s)
            {
                group++;
            }

            if (segment.IsRun && segment.Members.Count > 1)
            {
                // Fast path: every member of the run is present and the current segment holds what
                // the run's unchecked reads need, so they take no further bounds checks.
                if (CanGet(model, segment))
                {
                    // Through a local cursor, committed once (TetherReader.BeginRun explains why). The check covers the
                    // run's maximum and each varint's 8-byte window, so a message's last run, which seldom has that
                    // much after it, takes the checked path below.
                    w.Open($"if (__count > {segment.Members[segment.Members.Count - 1]} && reader.HasContiguous({RunSize(model, segment)}))");
                    w.Line("ref byte __c = ref reader.BeginRun();");
                    w.Line("int __n = 0;");
                    foreach (int i in segment.Members)
                    {
                        w.Line($"__m{i} = {ValueEmitter.Get(model.Members[i].Shape)};");
                    }

                    w.Line("reader.EndRun(__n);");
                }
                else
                {
                    w.Open($"if (__count > {segment.Members[segment.Members.Count - 1]} && reader.HasContiguous({segment.ReadNeed}))");
                    foreach (int i in segment.Members)
                    {
                        w.Line($"__m{i} = {values.Read(model.Members[i].Shape, isUnchecked: true)};");
                    }
                }

                w.Close();
                w.Open("else");
                foreach (int i in segment.Members)
                {
                    w.Line($"if (__count > {i}) __m{i} = {values.Read(model.Members[i].Shape, isUnchecked: false)};");
                }

                w.Close();
            }
            else
            {
                int i = segment.Members[0];
                w.Line($"if (__count > {i}) __m{i} = {values.Read(model.Members[i].Shape, isUnchecked: false)};");
            }
        }

        if (groups.Count > 0 && groups[groups.Count - 1].Last == segments.Count - 1)
        {
            w.Line($"__read{model.Members.Count}:");
        }

        w.Open($"if (__count > {model.Members.Count})");
        w.Line("reader.SkipUnknownMembers();");
        w.Close();

        // The message's own constructor or accessors may validate and throw; that is still bad
        // input, so it leaves as a decode error.
        w.Open("try");

        // Absent members are always the last ones (members are only ever appended). A member with an initializer is left
        // to it when absent: one construction per such member that sets only the members before it, the first that
        // applies taken, then the one that sets every member.
        for (int i = 0; i < model.Members.Count; i++)
        {
            if (model.Members[i].ConstructorIndex < 0 && model.Members[i].HasInitializer)
            {
                w.Open($"if (__count <= {i})");
                w.Line($"return {Construction(model, i)};");
                w.Close();
            }
        }

        w.Line($"return {Construction(model, model.Members.Count)};");
        w.Close();
        w.Open($"catch (global::System.Exception __exception) when (__exception is not {KnownNames.TetherException})");
        w.Line("throw reader.ConstructionFailed(__exception);");
        w.Close();
    }

    // new T(constructor members) { the other members, except those with an initializer from `membersSet` on }
    internal static string Construction(MessageModel model, int membersSet)
    {
        string[] arguments = new string[model.ConstructorParameterCount];
        var initializers = new List<string>();
        for (int i = 0; i < model.Members.Count; i++)
        {
            MemberModel member = model.Members[i];
            if (member.ConstructorIndex >= 0)
            {
                arguments[member.ConstructorIndex] = "__m" + i;
            }
            else if (i < membersSet || !member.HasInitializer)
            {
                initializers.Add($"{ValueEmitter.Identifier(member.Name)} = __m{i}");
            }
        }

        string construction = $"new {model.FullyQualifiedName}({string.Join(", ", arguments)})";
        return initializers.Count > 0 ? construction + " { " + string.Join(", ", initializers) + " }" : construction;
    }

    private static void EmitSize(SourceWriter w, ValueEmitter values, MessageModel model, string contract)
    {
        w.Line(KnownNames.GeneratedCode);
        w.Open($"static int {contract}.GetBodySize(in {model.FullyQualifiedName} value, int depth)");
        w.Line($"int size = {VarIntSize(model.Members.Count)};");
        for (int i = 0; i < model.Members.Count; i++)
        {
            w.Line($"size += {values.Size(model.Members[i].Shape, Access(model, i))};");
        }

        w.Line("return size;");
        w.Close();
    }

    private static int VarIntSize(int value)
    {
        int size = 1;
        for (uint v = (uint)value; v >= 0x80; v >>= 7)
        {
            size++;
        }

        return size;
    }
}
