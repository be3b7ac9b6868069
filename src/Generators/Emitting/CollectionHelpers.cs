using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>Builds the write, read and size helper methods of one collection type.</summary>
internal static class CollectionHelpers
{
    public static string Build(ValueEmitter values, TypeShape shape, int id)
    {
        var w = new SourceWriter();
        string type = shape.TypeName;
        bool isDictionary = shape.Kind == ShapeKind.Dictionary;
        string count = shape.Kind == ShapeKind.Array ? "value.Length" : "value.Count";

        w.Line(KnownNames.GeneratedCode);

        // Compiled on its own: inlined into its caller, the element loop (with each element's WriteBody inlined into
        // it) exhausted the JIT's inlining budget of the caller, and the element's Reserve, Put and string writes
        // became calls, one each per element.
        w.Line(KnownNames.NoInlining);
        w.Open($"private static void __TetherWrite{id}(ref {KnownNames.Writer} writer, {type} value)");
        w.Open("if (value is null)");
        w.Line("writer.WriteCollectionHeader(-1);");
        w.Line("return;");
        w.Close();
        w.Line($"writer.WriteCollectionHeader({count});");
        OpenLoop(w, shape, count);
        if (isDictionary)
        {
            values.Write(w, shape.Key!, "item.Key");
            values.Write(w, shape.Element!, "item.Value");
        }
        else
        {
            values.Write(w, shape.Element!, "item");
        }

        w.Close();
        w.Close();
        w.Line();

        int minSize = isDictionary ? ValueEmitter.MinSize(shape.Key!) + ValueEmitter.MinSize(shape.Element!) : ValueEmitter.MinSize(shape.Element!);
        w.Line(KnownNames.GeneratedCode);
        w.Open($"private static {type} __TetherRead{id}(ref {KnownNames.Reader} reader)");
        w.Line($"int count = reader.ReadCollectionHeader({minSize});");
        w.Open("if (count < 0)");
        w.Line("return null!;");
        w.Close();
        switch (shape.Kind)
        {
            case ShapeKind.Dictionary:
                w.Line($"var result = new {type}(count);");
                w.Open("for (int i = 0; i < count; i++)");
                w.Line($"{shape.Key!.TypeName} key = {values.Read(shape.Key!, isUnchecked: false)};");
                w.Line($"{shape.Element!.TypeName} item = {values.Read(shape.Element!, isUnchecked: false)};");
                string nullKey = shape.Key!.IsReferenceType ? "key is null || " : string.Empty;
                w.Open($"if ({nullKey}!result.TryAdd(key, item))");
                w.Line($"reader.Fail({KnownNames.ErrorCode}.DecodeInvalidValue);");
                w.Close();
                w.Close();
                break;
            case ShapeKind.List:
                w.Line($"var result = new {type}(count);");
                ReadElements(w, values, shape.Element!, "result.Add({0});");
                break;
            default:
                w.Line($"var result = new {NewArray(shape.Element!.TypeName, "count")};");
                ReadElements(w, values, shape.Element!, "result[i] = {0};");
                break;
        }

        w.Line("return result;");
        w.Close();
        w.Line();

        w.Line(KnownNames.GeneratedCode);
        w.Open($"private static int __TetherSize{id}({type} value, int depth)");
        w.Open("if (value is null)");
        w.Line("return 1;");
        w.Close();
        w.Line($"int size = {KnownNames.WireSize}.CollectionHeader({count});");
        OpenLoop(w, shape, count);
        w.Line(isDictionary
            ? $"size += {values.Size(shape.Key!, "item.Key")} + {values.Size(shape.Element!, "item.Value")};"
            : $"size += {values.Size(shape.Element!, "item")};");
        w.Close();
        w.Line("return size;");
        w.Close();
        return w.ToString();
    }

    // Nested messages are read one level deeper as a group (EnterElements), not each on its own: per element that saves
    // the depth's increment, decrement and the enclosing limit's save.
    private static void ReadElements(SourceWriter w, ValueEmitter values, TypeShape element, string store)
    {
        bool messages = element.Kind == ShapeKind.Message;
        if (messages)
        {
            w.Line("long outerLimit = reader.EnterElements();");
        }

        w.Open("for (int i = 0; i < count; i++)");
        w.Line(string.Format(System.Globalization.CultureInfo.InvariantCulture, store,
            messages ? $"reader.ReadElement<{element.TypeName}>(outerLimit)!" : values.Read(element, isUnchecked: false)));
        w.Close();
        if (messages)
        {
            w.Line("reader.LeaveElements();");
        }
    }

    private static void OpenLoop(SourceWriter w, TypeShape shape, string count)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Dictionary:
                w.Open("foreach (var item in value)");
                break;
            case ShapeKind.List:
                w.Open("foreach (var item in global::System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value))");
                break;
            default:
                w.Line($"int length = {count};");
                w.Open("for (int i = 0; i < length; i++)");
                w.Line("var item = value[i];");
                break;
        }
    }

    /// <summary><c>new T[n]</c>, placing the length before any array ranks of T itself (<c>new int[n][]</c>).</summary>
    private static string NewArray(string elementType, string length)
    {
        int depth = 0;
        for (int i = 0; i < elementType.Length; i++)
        {
            char c = elementType[i];
            if (c == '<')
            {
                depth++;
            }
            else if (c == '>')
            {
                depth--;
            }
            else if (c == '[' && depth == 0)
            {
                return elementType.Substring(0, i) + "[" + length + "]" + elementType.Substring(i);
            }
        }

        return elementType + "[" + length + "]";
    }
}
